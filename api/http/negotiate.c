#include "negotiate.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "problem.h"

/* What a route can produce, in the server's order of preference. */
static const struct offer {
	const char *type, *subtype;
	const char *suffix; /* a structured syntax suffix (RFC 6839) whose types accept it */
} offers[] = {
	/* a client that takes application/problem+json, jwk-set+json or any other JSON-based type
	 * reads JSON documents */
	[MEDIA_JSON] = {"application", "json", "+json"},
	[MEDIA_CSV] = {"text", "csv", NULL},
};

struct match {
	int specificity; /* 0: no range matched; 1 * / *, 2 type/ *, 3 type/subtype */
	int q;           /* in thousandths, of the most specific range that matched */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims spaces and tabs around [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

/* The weight "0", "0.5", "1.000" in thousandths, or -1 when it is not a qvalue. */
static int parse_q(const char *v, size_t n)
{
	if (n == 0 || (v[0] != '0' && v[0] != '1') || n > 5 || (n > 1 && v[1] != '.'))
		return -1;
	int q = (v[0] - '0') * 1000, scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		q += (v[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

static int token_eq(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* How specifically the range type/subtype names offer o (0: not at all). */
static int specificity(const char *type, size_t tl, const char *sub, size_t sl,
		       const struct offer *o)
{
	if (token_eq(type, tl, "*"))
		return token_eq(sub, sl, "*") ? 1 : 0;
	if (!token_eq(type, tl, o->type))
		return 0;
	if (token_eq(sub, sl, "*"))
		return 2;
	if (token_eq(sub, sl, o->subtype))
		return 3;
	size_t xl = o->suffix ? strlen(o->suffix) : 0;
	return xl && sl > xl && !strncasecmp(sub + sl - xl, o->suffix, xl) ? 3 : 0;
}

/*
 * Reads one element "type/subtype; p=v; q=0.5" of [s, e) into the matches of the offers.
 * Returns 0, or -1 when it is not a media range (then it is disregarded).
 */
static int read_element(const char *s, const char *e, struct match *m, size_t n_offers)
{
	const char *semi = memchr(s, ';', (size_t)(e - s));
	const char *range_end = semi ? semi : e;
	const char *rs = s;
	trim(&rs, &range_end);
	const char *slash = memchr(rs, '/', (size_t)(range_end - rs));
	if (!slash || slash == rs || slash + 1 == range_end)
		return -1;
	int q = 1000;
	for (const char *p = semi; p && p < e;) {
		const char *next = memchr(p + 1, ';', (size_t)(e - p - 1));
		const char *ps = p + 1, *pe = next ? next : e;
		trim(&ps, &pe);
		const char *eq = memchr(ps, '=', (size_t)(pe - ps));
		if (eq) {
			const char *ns = ps, *ne = eq, *vs = eq + 1, *ve = pe;
			trim(&ns, &ne);
			trim(&vs, &ve);
			if (token_eq(ns, (size_t)(ne - ns), "q")) {
				q = parse_q(vs, (size_t)(ve - vs));
				if (q < 0)
					return -1;
				break; /* what follows q are accept-extensions */
			}
		}
		p = next;
	}
	size_t tl = (size_t)(slash - rs), sl = (size_t)(range_end - slash - 1);
	for (size_t i = 0; i < n_offers; i++) {
		int sp = specificity(rs, tl, slash + 1, sl, &offers[i]);
		if (sp > m[i].specificity || (sp == m[i].specificity && sp && q > m[i].q)) {
			m[i].specificity = sp;
			m[i].q = q;
		}
	}
	return 0;
}

enum media negotiate_accept(const char *accept, int csv_offered)
{
	size_t n_offers = csv_offered ? 2 : 1;
	struct match m[2] = {{0, 0}, {0, 0}};
	int ranges = 0;
	for (const char *s = accept; s && *s;) {
		const char *e = s + strcspn(s, ",");
		const char *ts = s, *te = e;
		trim(&ts, &te);
		if (ts < te && read_element(ts, te, m, n_offers) == 0)
			ranges++;
		s = *e ? e + 1 : e;
	}
	/* no Accept, or nothing in it that reads as a media range: anything goes (RFC 9110) */
	if (ranges == 0)
		return MEDIA_JSON;
	enum media best = MEDIA_NONE;
	for (size_t i = 0; i < n_offers; i++) {
		if (m[i].specificity == 0 || m[i].q == 0)
			continue;
		if (best == MEDIA_NONE || m[i].q > m[best].q ||
		    (m[i].q == m[best].q && m[i].specificity > m[best].specificity))
			best = (enum media)i;
	}
	return best;
}

enum media negotiate_media(const struct _u_request *req, int csv_offered)
{
	const char *format = u_map_get(req->map_url, "format");
	if (format) {
		if (!strcmp(format, "json"))
			return MEDIA_JSON;
		if (!strcmp(format, "csv"))
			return csv_offered ? MEDIA_CSV : MEDIA_NONE;
		return MEDIA_BAD_FORMAT;
	}
	return negotiate_accept(http_request_header(req, "Accept"), csv_offered);
}

int negotiate(const struct _u_request *req, struct _u_response *resp, const struct req_ctx *ctx,
	      int csv_offered)
{
	enum media media = negotiate_media(req, csv_offered);
	if (media == MEDIA_BAD_FORMAT) {
		json_t *errors = NULL;
		problem_add_error(&errors, "format", "invalid_value",
				  csv_offered ? "must be json or csv" : "must be json");
		problem_with_errors(resp, ctx, 422, "The query parameters are invalid.", errors);
		return -1;
	}
	if (media == MEDIA_NONE) {
		problem(resp, ctx, 406,
			csv_offered ? "This resource is available as application/json or text/csv."
				    : "This resource is available as application/json only.");
		return -1;
	}
	return 0;
}
