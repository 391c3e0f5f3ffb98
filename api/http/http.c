#include "http.h"

#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "proxy.h"

void http_header(struct _u_response *resp, const char *name, const char *value)
{
	u_map_put(resp->map_header, name, value);
}

void http_json_text(struct _u_response *resp, unsigned status, const char *text, size_t len)
{
	ulfius_set_binary_body_response(resp, status, text, len);
	http_header(resp, "Content-Type", "application/json");
}

void http_json(struct _u_response *resp, unsigned status, const json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
	http_json_text(resp, status, text ? text : "null", text ? strlen(text) : 4);
	free(text);
}

const char *http_request_header(const struct _u_request *req, const char *name)
{
	return u_map_get_case(req->map_header, name);
}

void http_json_result(struct _u_response *resp, unsigned status, const PGresult *res)
{
	http_json_text(resp, status, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

void http_client_address(const struct _u_request *req, char out[64])
{
	char peer[64];
	proxy_peer_text(req->client_address, peer);
	proxy_client(proxy_trusted(), peer, http_request_header(req, "Forwarded"),
		     http_request_header(req, "X-Forwarded-For"), out);
}
