/* Subcommands that make the first accounts: create-user and create-client. */
#ifndef CDTT_CLI_H
#define CDTT_CLI_H

/* Each returns the process exit code: 0 done, 1 refused by the database, 2 bad usage. */
int cli_create_user(int argc, char **argv);
int cli_create_client(int argc, char **argv);

#endif
