/*
 * A service's body, checked without the database: code, names, category and status by the
 * field table; steps: 1-30 objects {instruction (1-500), check (optional, at most 300)};
 * translations: {"<code>": {name (1-200), steps (optional, as many as `steps`)}}, keyed by three
 * lowercase letters (whether the language exists is asked of the database when writing). Every
 * error is named by its JSON Pointer (/steps/2/instruction, /translations/hmn/steps/0/check).
 */
#ifndef CDTT_RESOURCES_SERVICES_VALIDATE_H
#define CDTT_RESOURCES_SERVICES_VALIDATE_H
#include <jansson.h>

#include "../validate.h"

#define SERVICE_POINTER_MAX 160

/* category: identity, public_services, ...; status: active, retired (NULL-terminated). */
extern const char *const service_category_values[];
extern const char *const service_status_values[];

/* The plain members; steps and translations are checked by service_check. */
extern const struct field service_fields[];

/*
 * "<prefix>/<key>" with the key escaped as RFC 6901 says (~ as ~0, / as ~1) and cut, on a
 * character boundary, so that the pointer fits.
 */
void service_pointer_join(char out[SERVICE_POINTER_MAX], const char *prefix, const char *key);

/*
 * Checks a whole service (a create body, or the stored service with a patch merged in) and
 * appends every error. Returns the number of errors.
 */
int service_check(const json_t *doc, json_t **errors);

#endif
