/*
 * Subcommands that make the first accounts: create-user and create-client.
 * Exit codes of every subcommand (README.md, "Subcommands"):
 */
#define CLI_OK 0         /* done */
#define CLI_FAILED 1     /* the work failed: database unreachable, migration refused, ... */
#define CLI_USAGE 2      /* bad usage or configuration: nothing was done */
#define CLI_EXISTS 3     /* create-user, create-client: the username or client id is taken */
#ifndef CDTT_CLI_H
#define CDTT_CLI_H
#include <libpq-fe.h>

/* Each returns the process exit code: CLI_OK, CLI_FAILED, CLI_USAGE or CLI_EXISTS. */
int cli_create_user(int argc, char **argv);
int cli_create_client(int argc, char **argv);

/*
 * Prints "cdtt: ERR" for a configuration that cannot be loaded, and when CDTT_DATABASE_URL is
 * unset, how to reach the database of `make run`; returns CLI_USAGE.
 */
int cli_config_error(const char *err);

/* A connection to database_url (CDTT_DATABASE_URL's), or NULL after saying why on stderr. */
PGconn *cli_connect(const char *database_url);

#endif
