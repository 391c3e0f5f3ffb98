/*
 * seed-demo: a realistic, deterministic demo data set — Hà Giang as it was before the 2025
 * reform, a team in every village, their members and a year of activities — and the first
 * admin account. For demonstrations, trials and benchmarks (--scale N copies the province).
 */
#ifndef CDTT_SEED_H
#define CDTT_SEED_H

/* `cdtt seed-demo [--scale N]`. Returns the process exit code: 0 done (also when the data were
 * already there), 1 refused by the database, 2 bad usage or configuration. */
int cli_seed_demo(int argc, char **argv);

#endif
