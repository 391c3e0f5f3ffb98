/*
 * Calendar dates as the API writes them (YYYY-MM-DD) and "today", which is always today in
 * Vietnam (UTC+7) whatever the server's time zone.
 */
#ifndef CDTT_DATES_H
#define CDTT_DATES_H

/* True when s is a real calendar date written YYYY-MM-DD (year 1900 or later). */
int member_date_is_valid(const char *s);

/* Today in Vietnam (UTC+7), as YYYY-MM-DD into out[11]; also the current year there. */
int member_today(char out[11]);

#endif
