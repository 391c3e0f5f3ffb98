/*
 * Input validation from field tables: each resource describes its fields once, and one
 * function checks a JSON body against the table, collecting every error (unknown fields,
 * read-only fields, wrong types, empty or oversized strings, control characters, values outside
 * an enum, numbers out of range) so a client fixes them all in one round.
 */
#ifndef CDTT_VALIDATE_H
#define CDTT_VALIDATE_H
#include <stdint.h>
#include <jansson.h>

enum field_type {
	FIELD_STRING,
	FIELD_INTEGER,
	FIELD_ENUM,          /* a string from `values` */
	FIELD_ENUM_ARRAY,    /* an array of distinct strings from `values` */
	FIELD_UUID,
	FIELD_CODE,          /* 1-32 of [A-Za-z0-9._-] (unit codes) */
	FIELD_NAME,          /* lowercase account name: [a-z0-9][a-z0-9._-]{2,63} */
};

enum field_flags {
	FIELD_REQUIRED = 1 << 0,  /* on create */
	FIELD_NULLABLE = 1 << 1,  /* null allowed (on create: same as absent; on PATCH: clears) */
	FIELD_CREATE_ONLY = 1 << 2, /* may be given on create, never changed */
};

/*
 * One member a client may send. A table lists them and ends with an entry whose name is NULL:
 * either {0}, or READ_ONLY("id", STAMPS), whose `values` name the members of the
 * representation that are never input, so that sending one answers read_only ("cannot be
 * set") rather than unknown_field. READ_ONLY's list is a compound literal: use it in tables
 * at file scope (a table inside a function would point at a list that is gone).
 */
struct field {
	const char *name;
	enum field_type type;
	unsigned flags;
	long min, max;               /* string length in characters, or integer range */
	const char *const *values;   /* enum values, NULL-terminated; in the terminator, the
				      * read-only members (NULL: none) */
};

#define READ_ONLY(...) {NULL, 0, 0, 0, 0, (const char *const[]){__VA_ARGS__, NULL}}
/* The stamps every stored resource carries. */
#define STAMPS "created_at", "updated_at", "version"

enum validate_mode {
	VALIDATE_CREATE, /* required fields must be present */
	VALIDATE_PATCH,  /* every field optional; null clears nullable fields */
	VALIDATE_QUERY,  /* query parameters: as PATCH, errors name "param" rather than "/param" */
};

/*
 * Checks body against table. Returns the number of errors; each is appended to *errors
 * (created when NULL) as {"field": "/name", "code", "message"}.
 */
int validate_body(const json_t *body, const struct field *table, enum validate_mode mode,
		  json_t **errors);

/*
 * As validate_body, leaving out the members named in skip (NULL-terminated): those the caller
 * checks itself, such as arrays and objects whose errors name their items.
 */
int validate_body_except(const json_t *body, const struct field *table,
			 enum validate_mode mode, const char *const *skip, json_t **errors);

/*
 * True when s is a catalogue code, as services, rubrics and rubric criteria are named: 2-64 of
 * [a-z0-9_.-], starting with a letter or digit.
 */
int catalogue_code_is_valid(const char *s);

/* Unless s is a catalogue code, appends invalid_format at pointer. Returns the number of errors
 * (0 or 1). */
int check_catalogue_code(const char *s, const char *pointer, json_t **errors);

/*
 * The name an error gives a member the client sent (any string): with prefix "/", a JSON Pointer
 * (RFC 6901); with "", a query parameter's name as it is. At most about 60 bytes of the name,
 * always valid UTF-8. size: 80 is enough.
 */
void member_pointer(char *out, size_t size, const char *prefix, const char *key);

#endif
