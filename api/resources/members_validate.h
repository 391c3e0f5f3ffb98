/*
 * Member fields that a field table cannot check, as pure functions (no I/O, unit-tested):
 * Vietnamese phone numbers (normalised to the one stored form, so that "+84 912 345 678" and
 * "0912.345.678" are the same person), e-mail addresses, the `languages` array's shape (which
 * codes exist is asked of the `languages` table in SQL), and `trainings`, whose errors name
 * each bad value by its JSON Pointer (/trainings/2/completed_on). Shared with the CSV import.
 */
#ifndef CDTT_RESOURCES_MEMBERS_VALIDATE_H
#define CDTT_RESOURCES_MEMBERS_VALIDATE_H
#include <jansson.h>

#include "../dates.h" /* the date checks the member rules use (trainings, birth years) */

#define MEMBER_PHONE_SIZE 12      /* "0" + at most 10 digits + NUL */
#define MEMBER_EMAIL_MAX 254
#define MEMBER_TRAININGS_MAX 50
#define MEMBER_LANGUAGES_MAX 20
#define MEMBER_MIN_BIRTH_YEAR 1920
#define MEMBER_MIN_AGE 14

/*
 * The values of the enumerated member fields (NULL-terminated), as the schema's CHECKs say,
 * and of a membership's role (the members import's team_role). The one list in C: the field
 * tables, the query filters and the CSV import use these; the enums suite checks them against
 * the CHECKs and openapi/openapi.yaml.
 */
extern const char *const member_gender_values[];
extern const char *const member_affiliation_values[];
extern const char *const member_skill_values[];
extern const char *const member_status_values[];
extern const char *const member_team_role_values[];

/* True when s is one of values. */
int member_value_in(const char *const *values, const char *s);

/*
 * A Vietnamese number in its stored form: "0" + 9 digits for mobiles (03, 05, 07, 08, 09) or
 * "0" + 10 digits for landlines (02). Accepts +84 / 84 in front (with or without the 0 of the
 * trunk prefix) and spaces, dots, dashes and parentheses between digits. Returns 0 with out
 * filled, -1 when it is not such a number (letters, a foreign number, an old 01x prefix, ...).
 */
int member_phone_normalise(const char *input, char out[MEMBER_PHONE_SIZE]);

/*
 * local@domain, at most 254 bytes, ASCII, a dot-atom local part and a domain of at least two
 * labels; out gets it with the domain lowercased. Returns 0, or -1 when malformed.
 */
int member_email_normalise(const char *input, char out[MEMBER_EMAIL_MAX + 1]);

/*
 * `languages`: an array of at most MEMBER_LANGUAGES_MAX distinct three-letter lowercase codes.
 * Appends an error per problem to *errors; returns how many.
 */
int member_languages_validate(const json_t *value, json_t **errors);

/*
 * `trainings`: an array of at most 50 objects of course (required, 1-200 characters), provider
 * (1-200), completed_on (a real date YYYY-MM-DD, not after `today`), certificate_no (1-64);
 * any other key is an error. Errors are appended with their JSON Pointer; returns how many.
 */
int member_trainings_validate(const json_t *value, const char *today, json_t **errors);

/* True when s is well-formed UTF-8 (query parameters arrive as raw bytes); utf8_valid(). */
int member_text_is_utf8(const char *s);

#endif
