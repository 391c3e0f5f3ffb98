/*
 * GET /api/v1/languages: the language codes (ISO 639-3) that members' and activities'
 * `languages` may hold, with their Vietnamese and English names. It reads the `languages`
 * table, which every write checks its codes against: the list published is the list enforced.
 * Any authenticated caller may read it (it holds no personal or scoped data). The whole list
 * is one page (a few dozen codes), so next_cursor is always null.
 */
#include "../route.h"
#include "resource.h"

static struct db_stmt list_languages = DB_READ("languages_list", 0,
	"SELECT json_build_object('items', coalesce(json_agg(json_build_object("
	"  'code', code, 'name_vi', name_vi, 'name_en', name_en) ORDER BY code), '[]'),"
	" 'next_cursor', NULL)::text FROM languages");

static void list(const struct _u_request *req, struct _u_response *resp, struct req_ctx *ctx)
{
	(void)req;
	enum db_status st;
	PGresult *res = request_query(ctx, resp, &list_languages, NULL, &st);
	if (!res)
		return;
	if (st == DB_OK)
		http_json_result(resp, 200, res);
	else
		internal_error(resp, ctx);
	PQclear(res);
}

const struct route languages_routes[] = {
	{"GET", "/api/v1/languages", list, ROUTE_REPLICA},
	{0},
};
