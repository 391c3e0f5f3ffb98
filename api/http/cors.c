#include "cors.h"

#include <string.h>

#define CORS_ALLOW_HEADERS "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id, Accept"
/* what a browser script may read: without it, only the CORS-safelisted headers */
#define CORS_EXPOSE_HEADERS                                                                  \
	"Allow, Content-Disposition, ETag, Idempotent-Replayed, Location, Retry-After, "      \
	"WWW-Authenticate, X-Request-Id"

const char *cors_allowed_origin(const struct config *cfg, const char *origin)
{
	if (!origin)
		return NULL;
	for (int i = 0; i < cfg->n_cors_origins; i++) {
		if (!strcmp(cfg->cors_origins[i], "*"))
			return "*";
		if (!strcmp(cfg->cors_origins[i], origin))
			return cfg->cors_origins[i];
	}
	return NULL;
}

void cors_apply(const struct config *cfg, const struct _u_request *req,
		struct _u_response *resp)
{
	if (cfg->n_cors_origins == 0)
		return;
	http_header(resp, "Vary", "Origin");
	const char *allowed = cors_allowed_origin(cfg, http_request_header(req, "Origin"));
	if (!allowed)
		return;
	http_header(resp, "Access-Control-Allow-Origin", allowed);
	http_header(resp, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
}

void cors_preflight(const struct config *cfg, const struct _u_request *req,
		    struct _u_response *resp, const char *allow)
{
	if (!cors_allowed_origin(cfg, http_request_header(req, "Origin")))
		return;
	http_header(resp, "Access-Control-Allow-Methods", allow);
	http_header(resp, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
	http_header(resp, "Access-Control-Max-Age", "600");
}
