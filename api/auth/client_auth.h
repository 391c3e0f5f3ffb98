/*
 * Client authentication (RFC 6749 §2.3.1), for every endpoint a system calls with its secret:
 * the token endpoint's client_credentials grant and token introspection. HTTP Basic is
 * preferred; client_id and client_secret in the body are accepted too. Throttled like logins.
 */
#ifndef CDTT_AUTH_CLIENT_AUTH_H
#define CDTT_AUTH_CLIENT_AUTH_H
#include "../http/http.h"
#include "principal.h"

struct client_account {
	struct principal p;
	char scopes[160]; /* the client's scopes, space-separated */
	long valid_after; /* epoch seconds before which its tokens no longer count (0: none) */
};

/*
 * Decodes application/x-www-form-urlencoded text (RFC 6749 Appendix B: '+' is a space, %XX a
 * byte) into out. -1 when a '%' is not followed by two hex digits, the result holds a NUL, or
 * it does not fit in cap bytes.
 */
int form_decode(const char *in, char *out, size_t cap);

/*
 * Authenticates the calling client from the Authorization: Basic header or, without one, from
 * body_id and body_secret (either may be NULL). 0 with *out filled; -1 after answering (401
 * invalid_client with WWW-Authenticate: Basic, 429, or 503).
 */
int client_authenticate(const struct _u_request *req, const char *body_id,
			const char *body_secret, struct _u_response *resp, struct req_ctx *ctx,
			struct client_account *out);

/* An RFC 6749 §5.2 error (not problem+json: OAuth clients read these), never cached. */
void oauth_error(struct _u_response *resp, unsigned status, const char *error,
		 const char *description);

#endif
