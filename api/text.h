/*
 * General text helpers: the one UTF-8 decoder every check and cut uses, and small tests on
 * strings (clean text, character counts, unit codes, UUIDs, a hash for the in-memory tables).
 */
#ifndef CDTT_TEXT_H
#define CDTT_TEXT_H
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the character at *p (which must be before end): on success stores it in *cp, moves *p
 * past it and returns its length in bytes (1-4). Returns -1, leaving *p and *cp alone, when the
 * bytes are not UTF-8: a stray continuation byte, an overlong form, a surrogate (U+D800-DFFF),
 * a code point past U+10FFFF, or a sequence cut short by end.
 */
int utf8_next(const char **p, const char *end, uint32_t *cp);

/* True when the whole of s is valid UTF-8. */
int utf8_valid(const char *s);

/* True when s is valid UTF-8 without control characters (tabs and newlines allowed if multiline). */
int text_is_clean(const char *s, int multiline);

/* A 64-bit FNV-1a hash of s, for the in-memory tables (not for anything an attacker must not
 * forge: only verified or locally made keys go into them). */
uint64_t text_hash(const char *s);

/* The number of characters (UTF-8 code points) in s; an invalid byte counts as one. */
size_t text_length(const char *s);

/* True when every byte of s is a-z, 0-9, A-Z (unless lowercase_only) or one of extra. */
int text_is_charset(const char *s, const char *extra, int lowercase_only);

/* True when s is a unit code: 1-32 of [A-Za-z0-9._-]. */
int text_is_code(const char *s);

/* True when s is a UUID in its 8-4-4-4-12 hex form. */
int text_is_uuid(const char *s);

/*
 * Writes the message into err (errlen bytes, cut to fit) and returns -1: how the start-up
 * checks (configuration, keys) say why they refused.
 */
int text_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
