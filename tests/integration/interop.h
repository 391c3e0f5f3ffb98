/*
 * Standard OAuth / JOSE clients (Node.js packages, the scripts in tests/interop/) run against a test
 * server. They need Node.js >= 20 and the packages deploy/install-deps.sh installs into .tools/
 * with npm; without them (Debian 12 ships Node.js 18 and no npm) a test says it was skipped
 * and passes.
 */
#ifndef CDTT_TEST_INTEROP_H
#define CDTT_TEST_INTEROP_H

/* 1 when Node.js >= 20 and every package named (NULL-terminated) is in .tools/node_modules;
 * otherwise prints "interop: skipped: <why>" and returns 0. */
int interop_available(const char *test, const char *const *packages);

/*
 * Runs `node tests/interop/<script>` with the given "NAME=value" settings (NULL-terminated;
 * values must not hold a single quote). Returns the exit code; *output (malloc'd) holds what
 * it printed.
 */
int interop_run(const char *script, const char *const *env, char **output);

#endif
