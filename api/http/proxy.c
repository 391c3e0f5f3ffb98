#define _GNU_SOURCE
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HOPS 64 /* a longer chain is not believed: the peer stays the client */

static struct proxy_list trusted_list;

void proxy_set_trusted(const struct proxy_list *list)
{
	if (list)
		trusted_list = *list;
	else
		memset(&trusted_list, 0, sizeof trusted_list);
}

const struct proxy_list *proxy_trusted(void)
{
	return &trusted_list;
}

/* An address literal into family + bytes; an IPv4-mapped IPv6 address becomes IPv4. */
static int address_parse(const char *text, int *family, unsigned char bytes[16])
{
	struct in6_addr a6;
	if (inet_pton(AF_INET, text, bytes) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		*family = AF_INET;
		memcpy(bytes, a6.s6_addr + 12, 4);
	} else {
		*family = AF_INET6;
		memcpy(bytes, a6.s6_addr, 16);
	}
	return 0;
}

static int cidr_parse(const char *item, struct cidr *out)
{
	char text[64];
	const char *slash = strchr(item, '/');
	size_t len = slash ? (size_t)(slash - item) : strlen(item);
	if (len == 0 || len >= sizeof text)
		return -1;
	memcpy(text, item, len);
	text[len] = '\0';
	memset(out, 0, sizeof *out);
	/* written as given: an IPv4-mapped network is not turned into an IPv4 one */
	if (inet_pton(AF_INET, text, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, text, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -1;
	int max = out->family == AF_INET ? 32 : 128;
	out->bits = max;
	if (slash) {
		const char *b = slash + 1;
		if (!*b || strspn(b, "0123456789") != strlen(b) || strlen(b) > 3)
			return -1;
		out->bits = atoi(b);
		if (out->bits > max)
			return -1;
	}
	return 0;
}

int proxy_list_parse(const char *text, struct proxy_list *out)
{
	memset(out, 0, sizeof *out);
	if (!text)
		return 0;
	char *copy = strdup(text), *save = NULL;
	if (!copy)
		return -1;
	int rc = 0;
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (out->n == PROXY_MAX_CIDRS || cidr_parse(tok, &out->cidrs[out->n]) != 0) {
			rc = -1;
			break;
		}
		out->n++;
	}
	free(copy);
	return rc;
}

static int cidr_contains(const struct cidr *c, int family, const unsigned char *bytes)
{
	if (c->family != family)
		return 0;
	int whole = c->bits / 8, rest = c->bits % 8;
	if (memcmp(c->addr, bytes, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (c->addr[whole] & mask) == (bytes[whole] & mask);
}

int proxy_trusts(const struct proxy_list *list, const char *address)
{
	int family;
	unsigned char bytes[16];
	if (!list || list->n == 0 || !address || address_parse(address, &family, bytes) != 0)
		return 0;
	for (int i = 0; i < list->n; i++)
		if (cidr_contains(&list->cidrs[i], family, bytes))
			return 1;
	return 0;
}

void proxy_peer_text(const struct sockaddr *sa, char out[64])
{
	out[0] = '\0';
	if (sa && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, 64);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6))
			inet_ntop(AF_INET, a6->s6_addr + 12, out, 64);
		else
			inet_ntop(AF_INET6, a6, out, 64);
	}
}

/*
 * One hop as written in a header: 192.0.2.1, 192.0.2.1:8080, 2001:db8::1, [2001:db8::1] or
 * [2001:db8::1]:8080. Written into out in canonical form; -1 when it is not an address.
 */
static int hop_parse(const char *s, size_t n, char out[64])
{
	char text[64];
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof text)
		return -1;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close)
			return -1;
		size_t after = n - (size_t)(close - s) - 1;
		if (after && (close[1] != ':' || after == 1 ||
			      strspn(close + 2, "0123456789") < after - 1))
			return -1;
		n = (size_t)(close - s) - 1;
		s++;
	} else {
		const char *colon = memchr(s, ':', n);
		/* one colon: IPv4 with a port; more: a bare IPv6 address */
		if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - s) - 1)) {
			size_t port = n - (size_t)(colon - s) - 1;
			if (port == 0 || strspn(colon + 1, "0123456789") < port)
				return -1;
			n = (size_t)(colon - s);
		}
	}
	memcpy(text, s, n);
	text[n] = '\0';
	int family;
	unsigned char bytes[16];
	if (address_parse(text, &family, bytes) != 0)
		return -1;
	inet_ntop(family, bytes, out, 64);
	return 0;
}

/* X-Forwarded-For: hops separated by commas. Returns the count, or -1 when malformed. */
static int xff_hops(const char *v, char hops[][64])
{
	int n = 0;
	for (const char *p = v;;) {
		size_t len = strcspn(p, ",");
		if (n == MAX_HOPS || hop_parse(p, len, hops[n]) != 0)
			return -1;
		n++;
		if (!p[len])
			return n;
		p += len + 1;
	}
}

/*
 * Forwarded (RFC 7239): elements separated by commas, pairs by semicolons, values tokens or
 * quoted strings. Every element must name its for=; returns the count, or -1.
 */
static int forwarded_hops(const char *v, char hops[][64])
{
	int n = 0;
	const char *p = v;
	for (;;) {
		int have_for = 0;
		for (;;) { /* the pairs of one element */
			p += strspn(p, " \t");
			size_t name = strcspn(p, "=;, \t");
			if (name == 0 || p[name] != '=')
				return -1;
			int is_for = name == 3 && !strncasecmp(p, "for", 3);
			const char *value = p + name + 1;
			size_t len;
			if (*value == '"') {
				const char *end = strchr(value + 1, '"');
				if (!end || memchr(value + 1, '\\', (size_t)(end - value - 1)))
					return -1;
				len = (size_t)(end - value - 1);
				p = end + 1;
				value++;
			} else {
				len = strcspn(value, ";, \t");
				p = value + len;
			}
			if (is_for) {
				if (have_for || n == MAX_HOPS || hop_parse(value, len, hops[n]) != 0)
					return -1;
				have_for = 1;
				n++;
			}
			p += strspn(p, " \t");
			if (*p != ';')
				break;
			p++;
		}
		if (!have_for)
			return -1;
		if (!*p)
			return n;
		if (*p != ',')
			return -1;
		p++;
	}
}

void proxy_client(const struct proxy_list *list, const char *peer, const char *forwarded,
		  const char *x_forwarded_for, char out[64])
{
	snprintf(out, 64, "%s", peer ? peer : "");
	if (!proxy_trusts(list, peer))
		return;
	static __thread char hops[MAX_HOPS][64];
	int n = forwarded ? forwarded_hops(forwarded, hops)
			  : x_forwarded_for ? xff_hops(x_forwarded_for, hops) : 0;
	if (n <= 0)
		return; /* no header, or one not believed: the peer is the client */
	int i = n - 1;
	while (i > 0 && proxy_trusts(list, hops[i]))
		i--;
	snprintf(out, 64, "%.63s", hops[i]);
}
