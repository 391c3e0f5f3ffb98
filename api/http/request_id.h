/* X-Request-Id: taken from the request when it is a sane token, generated otherwise. */
#ifndef CDTT_HTTP_REQUEST_ID_H
#define CDTT_HTTP_REQUEST_ID_H
#include <stddef.h>

/* True when a client-sent id may be reused: 1-64 characters of [A-Za-z0-9._:-]. */
int request_id_acceptable(const char *id);

/* Writes a random UUID (version 4) into out[37]. */
void request_id_generate(char out[37]);

#endif
