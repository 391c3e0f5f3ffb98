/*
 * The process's one listening connection to PostgreSQL: a thread of its own connects, LISTENs
 * on the channels its subscribers name, and tells each subscriber
 *   LISTEN_LISTENING  after every (re)connection: what changed meanwhile went unheard, so
 *                     start afresh;
 *   LISTEN_LOST       when the connection is lost, and when the listener stops: while not
 *                     listening, keep nothing that a notification would have to empty;
 *   LISTEN_NOTIFIED   each notification on the subscriber's channel, with its payload.
 * A lost connection is tried again after 250 ms, then after twice as long each time up to 2 s.
 * Subscribers are told from the listener's thread, one after the other in their order; a
 * subscriber must not block.
 */
#ifndef CDTT_DB_LISTEN_H
#define CDTT_DB_LISTEN_H
#include <stddef.h>

#define DB_LISTEN_SUBSCRIBERS_MAX 8

enum listen_event { LISTEN_LISTENING, LISTEN_LOST, LISTEN_NOTIFIED };

struct listen_subscriber {
	const char *channel; /* a channel name: a fixed SQL identifier, never input */
	/* payload: the notification's for LISTEN_NOTIFIED, NULL otherwise */
	void (*tell)(void *arg, enum listen_event event, const char *payload);
	void *arg;
};

struct db_listener;

/* Starts listening for subs[0..n) (copied; at most DB_LISTEN_SUBSCRIBERS_MAX). NULL when it
 * cannot start (out of memory, no thread, too many subscribers). */
struct db_listener *db_listener_start(const char *conninfo, const struct listen_subscriber *subs,
				      size_t n);

/* Stops the thread (the subscribers are told LISTEN_LOST) and frees the listener. NULL: no-op. */
void db_listener_stop(struct db_listener *l);

#endif
