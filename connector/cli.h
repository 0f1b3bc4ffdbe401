/* cli.h: the command line (see cli.c for the commands). */
#ifndef SC_CLI_H
#define SC_CLI_H

/* Run the connector program; returns the process exit code. */
int cli_main(int argc, char **argv);

#endif
