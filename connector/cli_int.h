/* cli_int.h: what the command files share (cli.c, cli_settlements.c). */
#ifndef SC_CLI_INT_H
#define SC_CLI_INT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "connector/conf.h"
#include "connector/error.h"

struct cli {
	const char *conf_path;
	const char *state_dir;
	const char *log_format;
	const char *command;
	const char *arg;        /* ORDER_ID, or mapping's subcommand */
	const char *arg2;       /* mapping explain: ORDER_ID */
	const char *arg3;       /* mapping explain: REFUND_ID */
	const char *file;       /* settle --file */
	int conf_path_given;    /* -c was given */
	int post;               /* settle --post */
	int json;
	int dry_run;
	unsigned phases;
	const char **orders;    /* replay --order ID ... */
	size_t norders;
	int failed;             /* replay --failed */
	const char *phase;      /* replay --failed --phase P; failures --phase P */
	const char *cls;        /* failures --class C */
	const char *every;      /* run --every DURATION */
};

void usage(FILE *f);
/* "connector: message (remote: ...)" on stderr, secrets redacted. */
void print_error(const struct sc_error *err);
int load_conf(struct conf **c, const struct cli *a, struct sc_error *err);

struct failure;
struct json_object;
/* "YYYY-MM-DDTHH:MM:SSZ", or "-" for 0. */
void cli_iso(char out[21], int64_t t);
/* A failure as JSON (class "stuck" past retry_limit attempts), with its replay command. */
struct json_object *cli_failure_json(const struct failure *f, long retry_limit);
/* "connector replay --order ID" and the like; "" when no command can. */
void cli_failure_replay(const struct failure *f, char *out, size_t n);
struct engine;
struct sync_summary;
/* Write [connector] metrics_file, when set, after a run (sum NULL: the run
 * could not happen; e NULL: no state to read counts from). Never fails the
 * run: a file that cannot be written is a warning. */
void cli_metrics_write(const struct conf *c, struct engine *e, const struct sync_summary *sum,
                       int exit_code);
int cmd_failures(const struct cli *a, const struct conf *c, struct sc_error *err);
int cmd_replay(const struct cli *a, const struct conf *c, struct sc_error *err);
int cmd_run(const struct cli *a, struct sc_error *err);
/* Install SIGTERM/SIGINT handlers raising the returned flag. */
volatile sig_atomic_t *cli_stop_flag(void);
int cmd_settlements(const struct cli *a, const struct conf *c, struct sc_error *err);
int cmd_settle(const struct cli *a, struct sc_error *err);

#endif
