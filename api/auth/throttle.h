/*
 * Login throttling, shared by every place that checks a secret (the token endpoint, a password
 * change): failures are recorded per account name and per address, and after 5 within 15
 * minutes either one is refused with 429 and Retry-After, even with the right secret.
 */
#ifndef CDTT_AUTH_THROTTLE_H
#define CDTT_AUTH_THROTTLE_H
#include "../http/http.h"

/* 1 after answering (429, or 503 when the database is down), 0 when the caller may try. */
int login_throttled(struct req_ctx *ctx, struct _u_response *resp, const char *who,
		    const char *address);

/* Records a failure and its audit event (entity_type "user" or "client"); 0, or -1 after 503. */
int login_failed(struct req_ctx *ctx, struct _u_response *resp, const char *who,
		 const char *address, const char *entity_type);

#endif
