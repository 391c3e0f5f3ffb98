/* Files built into the binary by tools/embed.c (migrations, the OpenAPI document, the docs page). */
#ifndef CDTT_EMBEDDED_H
#define CDTT_EMBEDDED_H
#include <stddef.h>

struct embedded_file {
	const char *name;          /* base name, e.g. "0001_extensions.sql" */
	const unsigned char *data; /* NUL-terminated */
	size_t len;                /* without the terminating NUL */
};

extern const struct embedded_file migrations_embedded[];
extern const size_t migrations_embedded_count;
extern const struct embedded_file functions_embedded[]; /* db/functions/ in name order */
extern const size_t functions_embedded_count;
extern const struct embedded_file spec_embedded[]; /* [0] openapi.json, [1] docs.html */
extern const size_t spec_embedded_count;
extern const struct embedded_file seed_embedded[]; /* db/seed/ in order */
extern const size_t seed_embedded_count;

#endif
