/*
 * Trusted proxies (CDTT_TRUSTED_PROXIES) and the client address behind them.
 *
 * The TCP peer is the client unless it lies inside a trusted CIDR; then the client is read
 * from Forwarded (RFC 7239, its for= parameters) or, when that is absent, X-Forwarded-For:
 * walking from the right, trusted addresses are skipped and the right-most untrusted one is
 * the client. Anything not an address (a malformed header, "unknown", an obfuscated node)
 * leaves the peer as the client: a header is believed only as far as trusted hops vouch for it.
 */
#ifndef CDTT_HTTP_PROXY_H
#define CDTT_HTTP_PROXY_H
#include <stddef.h>
#include <sys/socket.h>

#define PROXY_MAX_CIDRS 32

struct cidr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network order; 4 bytes used for IPv4 */
	int bits;
};

struct proxy_list {
	struct cidr cidrs[PROXY_MAX_CIDRS];
	int n;
};

/* Parses "10.0.0.0/8, 2001:db8::/32, 192.0.2.7" (a bare address is a /32 or /128) into
 * *out; 0, or -1 on the first bad item. An empty string gives an empty list. */
int proxy_list_parse(const char *text, struct proxy_list *out);

/* True when the address (text, IPv4 or IPv6; an IPv4-mapped IPv6 address counts as IPv4) is
 * inside one of the list's CIDRs. */
int proxy_trusts(const struct proxy_list *list, const char *address);

/* The socket address as text ("" when neither IPv4 nor IPv6); out has room for 64 bytes.
 * An IPv4-mapped IPv6 address is written as IPv4. */
void proxy_peer_text(const struct sockaddr *sa, char out[64]);

/*
 * The client: peer itself unless it is trusted; then the right-most untrusted address of
 * forwarded (RFC 7239) when it is not NULL, else of x_forwarded_for. out: 64 bytes.
 */
void proxy_client(const struct proxy_list *list, const char *peer, const char *forwarded,
		  const char *x_forwarded_for, char out[64]);

/* The list http_client_address() uses: set once at start-up, before any request. */
void proxy_set_trusted(const struct proxy_list *list);
const struct proxy_list *proxy_trusted(void);

#endif
