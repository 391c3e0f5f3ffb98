/*
 * problem+json (RFC 9457): the one way any error leaves the server. `type` is a URN naming the
 * kind of problem, `instance` the request id, and validation failures list every bad field.
 */
#ifndef CDTT_HTTP_PROBLEM_H
#define CDTT_HTTP_PROBLEM_H
#include "http.h"

/* Answers status with a problem document. detail may be NULL. */
void problem(struct _u_response *resp, const struct req_ctx *ctx, unsigned status,
	     const char *detail);

/* As problem(), with an `errors` array; steals the reference to errors. */
void problem_with_errors(struct _u_response *resp, const struct req_ctx *ctx, unsigned status,
			 const char *detail, json_t *errors);

/*
 * As problem_with_errors(), with the members of the object `extra` added last (a problem type's
 * own fields, e.g. the existing resource a conflict names). Steals both references; either
 * may be NULL.
 */
void problem_with_members(struct _u_response *resp, const struct req_ctx *ctx, unsigned status,
			  const char *detail, json_t *errors, json_t *extra);

/* 503 with Retry-After: the database cannot be reached or every connection is busy. */
void problem_unavailable(struct _u_response *resp, const struct req_ctx *ctx, int busy);

/* 429 with Retry-After: seconds (> 0) until the caller may try again; detail says why. */
void problem_retry_after(struct _u_response *resp, const struct req_ctx *ctx, int seconds,
			 const char *detail);

/* Appends {"field","code","message"} to an errors array (created when *errors is NULL). */
void problem_add_error(json_t **errors, const char *field, const char *code, const char *message);

/*
 * Appends to *dest the errors of src, each field prefixed ("/items/3" + "/date"); decrefs src
 * (NULL: none).
 */
void problem_add_errors_prefixed(json_t **dest, json_t *src, const char *prefix);

/* The URN of a status' problem type and its title, e.g. 404 -> "urn:cdtt:problem:not-found". */
const char *problem_type(unsigned status);
const char *problem_title(unsigned status);

#endif
