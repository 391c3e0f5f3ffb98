#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int utf8_next(const char **p, const char *end, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)*p;
	uint32_t c = s[0], min;
	int n;
	if (c < 0x80) {
		*cp = c;
		*p += 1;
		return 1;
	}
	/* The lead byte says the length; C0, C1 and F5-FF can only start overlong or too-large
	 * forms, and a continuation byte (80-BF) cannot start anything. */
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return -1;
	}
	if (end - *p < n)
		return -1;
	c &= 0x7fu >> n;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	*p += n;
	return n;
}

int utf8_valid(const char *s)
{
	const char *end = s + strlen(s);
	uint32_t cp;
	while (s < end)
		if (utf8_next(&s, end, &cp) < 0)
			return 0;
	return 1;
}

int text_is_clean(const char *s, int multiline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0x7f || (*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t' || *p == '\r'))))
			return 0;
		/* C1 controls U+0080..U+009F are encoded C2 80..C2 9F */
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 0;
	}
	return 1; /* jansson has already refused invalid UTF-8 */
}

uint64_t text_hash(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

size_t text_length(const char *s)
{
	const char *end = s + strlen(s);
	uint32_t cp;
	size_t n = 0;
	for (; s < end; n++)
		if (utf8_next(&s, end, &cp) < 0)
			s++; /* not reached for JSON strings, which jansson checked */
	return n;
}

int text_is_charset(const char *s, const char *extra, int lowercase_only)
{
	for (const char *p = s; *p; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			 (!lowercase_only && *p >= 'A' && *p <= 'Z') || strchr(extra, *p);
		if (!ok)
			return 0;
	}
	return 1;
}

int text_is_code(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= 32 && text_is_charset(s, "._-", 0);
}

int text_is_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];
		if (dash ? c != '-'
			 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

int text_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
