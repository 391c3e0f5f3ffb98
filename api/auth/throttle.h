/*
 * Login throttling, shared by every place that checks a secret (the token endpoint, a password
 * change). No lock-out: each wrong secret makes the account wait longer before its next secret
 * is checked (5 free attempts, then 30 s doubling up to 15 minutes; 429 with Retry-After while
 * waiting), counted separately for each address that recently logged in to the account and
 * for all other addresses together, so a stranger cannot keep the owner out of their usual
 * office. Addresses not known to the account may fail 100 times in 15 minutes over all
 * accounts. The rules live in SQL (login_*() in db/functions/70_accounts.sql); every attempt is counted before its secret
 * is checked, atomically, and given back on success.
 */
#ifndef CDTT_AUTH_THROTTLE_H
#define CDTT_AUTH_THROTTLE_H
#include "../http/http.h"

/* What a secret belongs to; also the audit events' entity_type. */
#define LOGIN_USER "user"
#define LOGIN_CLIENT "client"

/*
 * Claims one check of a secret for the account `who` (a username or client id, "" for a name
 * that cannot exist) from address. -1 after answering (429 with Retry-After, or 503 when the
 * database is down); 0 when the caller may check the secret now, and must then call
 * login_failed or login_succeeded.
 */
int login_throttled(struct req_ctx *ctx, struct _u_response *resp, const char *kind,
		    const char *who, const char *address);

/* The secret was wrong: records the audit event. 0, or -1 after answering 503. */
int login_failed(struct req_ctx *ctx, struct _u_response *resp, const char *kind,
		 const char *who, const char *address);

/* The secret was right: the attempt is given back and the address becomes known to the
 * account. 0, or -1 after answering 503. */
int login_succeeded(struct req_ctx *ctx, struct _u_response *resp, const char *kind,
		    const char *who, const char *address);

#endif
