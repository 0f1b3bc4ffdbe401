/* cli_int.h: what the command files share (cli.c, cli_settlements.c). */
#ifndef SC_CLI_INT_H
#define SC_CLI_INT_H

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
};

void usage(FILE *f);
/* "connector: message (remote: ...)" on stderr, secrets redacted. */
void print_error(const struct sc_error *err);
int load_conf(struct conf **c, const struct cli *a, struct sc_error *err);

int cmd_settlements(const struct cli *a, const struct conf *c, struct sc_error *err);
int cmd_settle(const struct cli *a, struct sc_error *err);

#endif
