/* Trusted proxies: CIDR lists, matching, and the client address behind forwarding headers. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <check.h>

#include "../../api/http/proxy.h"

static struct proxy_list list_of(const char *text)
{
	struct proxy_list l;
	ck_assert_int_eq(proxy_list_parse(text, &l), 0);
	return l;
}

/* The client proxy_client() finds; peer, then the Forwarded and X-Forwarded-For values. */
static const char *client(const struct proxy_list *l, const char *peer, const char *fwd,
			  const char *xff)
{
	static char out[64];
	proxy_client(l, peer, fwd, xff, out);
	return out;
}

START_TEST(test_cidr_lists_parse_and_refuse)
{
	struct proxy_list l;
	ck_assert_int_eq(proxy_list_parse("", &l), 0);
	ck_assert_int_eq(l.n, 0);
	ck_assert_int_eq(proxy_list_parse(NULL, &l), 0);
	ck_assert_int_eq(proxy_list_parse("10.0.0.0/8, 192.0.2.7,2001:db8::/32 ,::1", &l), 0);
	ck_assert_int_eq(l.n, 4);
	ck_assert_int_eq(l.cidrs[1].bits, 32);
	ck_assert_int_eq(l.cidrs[3].bits, 128);
	static const char *const bad[] = {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0/8",
					   "proxy.example", "10.0.0.0/8x", "10.0.0.0/-1", "/8",
					   "10.0.0.1,nonsense"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(proxy_list_parse(bad[i], &l) == -1, "%s accepted", bad[i]);
	char many[2048] = "";
	for (int i = 0; i <= PROXY_MAX_CIDRS; i++) {
		size_t n = strlen(many);
		snprintf(many + n, sizeof many - n, "10.0.%d.0/24,", i);
	}
	ck_assert_int_eq(proxy_list_parse(many, &l), -1);
}
END_TEST

START_TEST(test_cidr_matching)
{
	struct proxy_list l = list_of("10.0.0.0/8,192.0.2.128/25,2001:db8:ab::/48,172.16.0.1");
	ck_assert(proxy_trusts(&l, "10.255.3.4"));
	ck_assert(!proxy_trusts(&l, "11.0.0.1"));
	ck_assert(proxy_trusts(&l, "192.0.2.200"));
	ck_assert(!proxy_trusts(&l, "192.0.2.127"));
	ck_assert(proxy_trusts(&l, "2001:db8:ab:ff::1"));
	ck_assert(!proxy_trusts(&l, "2001:db8:ac::1"));
	ck_assert(proxy_trusts(&l, "172.16.0.1"));
	ck_assert(!proxy_trusts(&l, "172.16.0.2"));
	ck_assert(proxy_trusts(&l, "::ffff:10.1.2.3")); /* IPv4-mapped counts as IPv4 */
	ck_assert(!proxy_trusts(&l, "garbage"));
	ck_assert(!proxy_trusts(&l, NULL));
	struct proxy_list all = list_of("0.0.0.0/0");
	ck_assert(proxy_trusts(&all, "203.0.113.5"));
	ck_assert(!proxy_trusts(&all, "2001:db8::1"));
	struct proxy_list none = list_of("");
	ck_assert(!proxy_trusts(&none, "127.0.0.1"));
}
END_TEST

START_TEST(test_x_forwarded_for_is_walked_from_the_right)
{
	struct proxy_list l = list_of("10.0.0.0/8");
	/* the right-most untrusted hop is the client; what it claims before that is not believed */
	ck_assert_str_eq(client(&l, "10.0.0.2", NULL, "198.51.100.9, 203.0.113.7, 10.0.0.3"),
			 "203.0.113.7");
	ck_assert_str_eq(client(&l, "10.0.0.2", NULL, "203.0.113.7"), "203.0.113.7");
	/* every hop trusted: the left-most */
	ck_assert_str_eq(client(&l, "10.0.0.2", NULL, "10.1.1.1,10.0.0.3"), "10.1.1.1");
	/* ports and IPv6 forms */
	ck_assert_str_eq(client(&l, "10.0.0.2", NULL, "203.0.113.7:5123"), "203.0.113.7");
	ck_assert_str_eq(client(&l, "10.0.0.2", NULL, "2001:DB8::7"), "2001:db8::7");
	ck_assert_str_eq(client(&l, "10.0.0.2", NULL, "[2001:db8::7]:443"), "2001:db8::7");
	/* no header: the proxy itself */
	ck_assert_str_eq(client(&l, "10.0.0.2", NULL, NULL), "10.0.0.2");
}
END_TEST

START_TEST(test_spoofed_headers_from_an_untrusted_peer_are_ignored)
{
	struct proxy_list l = list_of("10.0.0.0/8");
	ck_assert_str_eq(client(&l, "203.0.113.66", NULL, "198.51.100.1"), "203.0.113.66");
	ck_assert_str_eq(client(&l, "203.0.113.66", "for=198.51.100.1", NULL), "203.0.113.66");
	struct proxy_list none = list_of("");
	ck_assert_str_eq(client(&none, "127.0.0.1", "for=198.51.100.1", "198.51.100.1"),
			 "127.0.0.1");
}
END_TEST

START_TEST(test_malformed_headers_leave_the_peer)
{
	struct proxy_list l = list_of("10.0.0.0/8");
	static const char *const xff[] = {"", "not-an-ip", "203.0.113.7,,10.0.0.3",
					  "203.0.113.7, unknown", "203.0.113.7:", "[2001:db8::1",
					  "203.0.113.7 10.0.0.3", "999.1.1.1"};
	for (size_t i = 0; i < sizeof xff / sizeof xff[0]; i++)
		ck_assert_msg(!strcmp(client(&l, "10.0.0.2", NULL, xff[i]), "10.0.0.2"),
			      "X-Forwarded-For %s gave %s", xff[i], client(&l, "10.0.0.2", NULL, xff[i]));
	static const char *const fwd[] = {"", "for=unknown", "for=_hidden", "by=10.0.0.1",
					  "for=\"[2001:db8::1]", "for=203.0.113.7;for=198.51.100.1",
					  "for=203.0.113.7, proto=https", "for"};
	for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
		ck_assert_msg(!strcmp(client(&l, "10.0.0.2", fwd[i], NULL), "10.0.0.2"),
			      "Forwarded %s gave %s", fwd[i], client(&l, "10.0.0.2", fwd[i], NULL));
}
END_TEST

START_TEST(test_forwarded_header_rfc7239)
{
	struct proxy_list l = list_of("10.0.0.0/8,2001:db8:1::/48");
	ck_assert_str_eq(client(&l, "10.0.0.2", "for=192.0.2.43", NULL), "192.0.2.43");
	ck_assert_str_eq(client(&l, "10.0.0.2",
				"for=192.0.2.43;proto=https, For=\"[2001:db8:cafe::17]:4711\";by=10.0.0.2",
				NULL),
			 "2001:db8:cafe::17");
	ck_assert_str_eq(client(&l, "10.0.0.2", "for=198.51.100.3, for=\"[2001:db8:1::5]\"", NULL),
			 "198.51.100.3");
	/* Forwarded wins over X-Forwarded-For */
	ck_assert_str_eq(client(&l, "10.0.0.2", "for=192.0.2.43", "198.51.100.77"), "192.0.2.43");
}
END_TEST

START_TEST(test_peer_text)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	char out[64];
	inet_pton(AF_INET6, "::ffff:192.0.2.9", &a6.sin6_addr);
	proxy_peer_text((struct sockaddr *)&a6, out);
	ck_assert_str_eq(out, "192.0.2.9");
	inet_pton(AF_INET6, "2001:db8::9", &a6.sin6_addr);
	proxy_peer_text((struct sockaddr *)&a6, out);
	ck_assert_str_eq(out, "2001:db8::9");
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.2", &a4.sin_addr);
	proxy_peer_text((struct sockaddr *)&a4, out);
	ck_assert_str_eq(out, "127.0.0.2");
	proxy_peer_text(NULL, out);
	ck_assert_str_eq(out, "");
}
END_TEST

Suite *proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("trusted proxies");
	tcase_add_test(tc, test_cidr_lists_parse_and_refuse);
	tcase_add_test(tc, test_cidr_matching);
	tcase_add_test(tc, test_x_forwarded_for_is_walked_from_the_right);
	tcase_add_test(tc, test_spoofed_headers_from_an_untrusted_peer_are_ignored);
	tcase_add_test(tc, test_malformed_headers_leave_the_peer);
	tcase_add_test(tc, test_forwarded_header_rfc7239);
	tcase_add_test(tc, test_peer_text);
	suite_add_tcase(s, tc);
	return s;
}
