/*
 * Every enumerated value has one list, or this test names the list and the value that drifted.
 * A list lives in up to three places: the CHECK constraints of the schema (read from
 * pg_constraint of the migrated database), the C tables the field tables, query filters, the
 * CSV import and authorization use (members_validate.h, principal.h, ...), and the enums of
 * the OpenAPI document built into the binary (spec_embedded[0]). Roles are tied to authz.c's
 * enum role too. C tables that are private to their file (unit levels) are probed through the
 * API instead: every value the schema allows passes the field table, and an unknown one fails.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/auth/account_new.h"
#include "../../api/auth/principal.h"
#include "../../api/embedded.h"
#include "../../api/resources/activities.h"
#include "../../api/resources/evaluations.h"
#include "../../api/resources/funding.h"
#include "../../api/resources/members_validate.h"
#include "../../api/resources/rubrics_validate.h"
#include "../../api/resources/services_validate.h"
#include "../../api/resources/teams_shared.h"
#include "suites.h"
#include "world.h"

static struct world w;
WORLD_FIXTURE(w, NULL)

#define CHECKS_MAX 3
#define POINTERS_MAX 3

/* One enumerated list and where it is written. */
struct enum_source {
	const char *name;                      /* the spec's schema name, or what the list is */
	const char *const *c_values;           /* NULL-terminated; NULL when not in a C table */
	const char *checks[CHECKS_MAX];        /* "table.column" of each CHECK that lists it */
	const char *pointers[POINTERS_MAX];    /* JSON pointers to its enums in the spec */
};

static const struct enum_source sources[] = {
	{"Role", role_values, {"users.role"},
	 {"/components/schemas/Role/enum",
	  "/components/schemas/IntrospectionResponse/properties/role/enum"}},
	{"AccountStatus", account_status_values, {"users.status", "clients.status"},
	 {"/components/schemas/AccountStatus/enum"}},
	{"Scope", scope_values, {"clients.scopes"}, {"/components/schemas/Scope/enum"}},
	{"UnitLevel", NULL, {"units.level"}, {"/components/schemas/UnitLevel/enum"}},
	{"UnitStatus", NULL, {"units.status"}, {"/components/schemas/UnitStatus/enum"}},
	{"Gender", member_gender_values, {"members.gender"}, {"/components/schemas/Gender/enum"}},
	{"Affiliation", member_affiliation_values, {"members.affiliations"},
	 {"/components/schemas/Affiliation/enum"}},
	{"DigitalSkill", member_skill_values, {"members.digital_skill"},
	 {"/components/schemas/DigitalSkill/enum"}},
	{"MemberStatus", member_status_values, {"members.status"},
	 {"/components/schemas/MemberStatus/enum"}},
	{"MembershipRole", member_team_role_values, {"memberships.role"},
	 {"/components/schemas/MembershipRole/enum"}},
	{"TeamStatus", team_status_values, {"teams.status"}, {"/components/schemas/TeamStatus/enum"}},
	{"ServiceCategory", service_category_values, {"services.category"},
	 {"/components/schemas/ServiceCategory/enum"}},
	{"ServiceStatus", service_status_values, {"services.status"},
	 {"/components/schemas/ServiceStatus/enum"}},
	{"ActivityKind", activity_kind_values, {"activities.kind"},
	 {"/components/schemas/ActivityKind/enum"}},
	{"EvaluationSubjectType", evaluation_subject_type_values,
	 {"evaluations.subject_type"},
	 {"/components/schemas/EvaluationSubjectType/enum"}},
	{"EvaluatorBody", evaluator_body_values, {"evaluations.evaluator_body"},
	 {"/components/schemas/EvaluatorBody/enum"}},
	{"Rating", evaluation_rating_values, {"evaluations.rating"},
	 {"/components/schemas/Rating/enum"}},
	{"EvaluationStatus", evaluation_status_values, {"evaluations.status"},
	 {"/components/schemas/EvaluationStatus/enum"}},
	{"RubricSubjectType", evaluation_subject_type_values, {"rubrics.subject_type"},
	 {"/components/schemas/RubricSubjectType/enum"}},
	{"RubricPeriodKind", rubric_period_kind_values, {"rubrics.period_kind"},
	 {"/components/schemas/RubricPeriodKind/enum"}},
	{"RubricStatus", rubric_status_values, {"rubrics.status"},
	 {"/components/schemas/RubricStatus/enum"}},
	{"FundingCategory", funding_category_values, {"funding_line_items.category"},
	 {"/components/schemas/FundingCategory/enum"}},
	{"FundingStatus", funding_status_values, {"funding_proposals.status"},
	 {"/components/schemas/FundingStatus/enum"}},
	{"FundingAction", funding_action_values, {"funding_workflow.action"},
	 {"/components/schemas/FundingAction/enum"}},
	{"audit actor type", NULL, {"audit_events.actor_type"},
	 {"/components/schemas/AuditEvent/properties/actor/properties/type/enum"}},
};

static json_t *c_list(const char *const *values)
{
	json_t *list = json_array();
	for (; *values; values++)
		json_array_append_new(list, json_string(*values));
	return list;
}

/* The values the CHECK on "table.column" allows, as a JSON array. */
static json_t *check_list(const char *table_column)
{
	char table[64], query[700];
	const char *dot = strchr(table_column, '.');
	ck_assert_ptr_nonnull(dot);
	snprintf(table, sizeof table, "%.*s", (int)(dot - table_column), table_column);
	snprintf(query, sizeof query,
		 "SELECT coalesce(json_agg(DISTINCT v[1]), '[]')::text FROM pg_constraint c,"
		 " regexp_matches(pg_get_constraintdef(c.oid), '''([^'']+)''', 'g') AS v"
		 " WHERE c.conrelid = '%s'::regclass AND c.contype = 'c'"
		 " AND pg_get_constraintdef(c.oid) ~ '^CHECK \\(+%s (= ANY|<[@])'",
		 table, dot + 1);
	char *text = db_query_value(w.url, query);
	ck_assert_msg(text, "cannot read the CHECK on %s", table_column);
	json_t *list = json_loads(text, 0, NULL);
	free(text);
	ck_assert_msg(json_array_size(list) > 0, "no CHECK lists the values of %s", table_column);
	return list;
}

/* The value at a JSON pointer (no escapes: the spec's names need none); borrowed. */
static json_t *at_pointer(json_t *doc, const char *pointer)
{
	char path[200];
	snprintf(path, sizeof path, "%s", pointer);
	json_t *v = doc;
	char *save;
	for (char *part = strtok_r(path, "/", &save); part && v; part = strtok_r(NULL, "/", &save))
		v = json_object_get(v, part);
	return v;
}

static int has(const json_t *list, const char *value)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (json_is_string(v) && !strcmp(json_string_value(v), value))
			return 1;
	}
	return 0;
}

/* Fails naming the list and the first value one of the two has and the other lacks. */
static void assert_same(const char *name, const char *a_where, const json_t *a,
			const char *b_where, const json_t *b)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		ck_assert_msg(has(b, json_string_value(v)), "%s: '%s' is in %s but not in %s", name,
			      json_string_value(v), a_where, b_where);
	}
	json_array_foreach(b, i, v)
	{
		ck_assert_msg(has(a, json_string_value(v)), "%s: '%s' is in %s but not in %s", name,
			      json_string_value(v), b_where, a_where);
	}
}

static json_t *embedded_spec(void)
{
	json_error_t error;
	json_t *doc = json_loadb((const char *)spec_embedded[0].data, spec_embedded[0].len, 0, &error);
	ck_assert_msg(doc, "the embedded OpenAPI document is not JSON: %s", error.text);
	return doc;
}

START_TEST(test_every_enum_has_the_same_values_in_sql_c_and_the_spec)
{
	json_t *doc = embedded_spec();
	for (size_t s = 0; s < sizeof sources / sizeof sources[0]; s++) {
		const struct enum_source *e = &sources[s];
		/* the first CHECK is the reference; every other place is compared with it */
		json_t *ref = check_list(e->checks[0]);
		char ref_where[96];
		snprintf(ref_where, sizeof ref_where, "the CHECK on %s", e->checks[0]);
		for (size_t i = 1; i < CHECKS_MAX && e->checks[i]; i++) {
			json_t *other = check_list(e->checks[i]);
			char where[96];
			snprintf(where, sizeof where, "the CHECK on %s", e->checks[i]);
			assert_same(e->name, ref_where, ref, where, other);
			json_decref(other);
		}
		if (e->c_values) {
			json_t *c = c_list(e->c_values);
			assert_same(e->name, ref_where, ref, "the C table", c);
			json_decref(c);
		}
		for (size_t i = 0; i < POINTERS_MAX && e->pointers[i]; i++) {
			json_t *spec = at_pointer(doc, e->pointers[i]);
			ck_assert_msg(json_is_array(spec), "%s: the spec has no enum at %s", e->name,
				      e->pointers[i]);
			char where[160];
			snprintf(where, sizeof where, "the spec's %s", e->pointers[i]);
			assert_same(e->name, ref_where, ref, where, spec);
		}
		json_decref(ref);
	}
	json_decref(doc);
}
END_TEST

/* authz.c decides by enum role: every role name maps to its own enum value, and back. */
START_TEST(test_every_role_name_is_one_of_authz_roles_and_back)
{
	size_t n = 0;
	for (; role_values[n]; n++) {
		enum role r = role_from_name(role_values[n]);
		ck_assert_msg(r != ROLE_NONE, "role '%s' has no enum role", role_values[n]);
		ck_assert_msg(!strcmp(role_name(r), role_values[n]), "role '%s' reads back as '%s'",
			      role_values[n], role_name(r));
	}
	ck_assert_msg(n == ROLE_VIEWER, "%zu role names for %d roles in enum role", n, ROLE_VIEWER);
	/* and the scopes, by enum oauth_scope's bits */
	for (size_t i = 0; scope_values[i]; i++) {
		unsigned bits;
		ck_assert_int_eq(scopes_parse(scope_values[i], &bits), 0);
		ck_assert_msg(bits == 1u << i, "scope '%s' is not bit %zu", scope_values[i], i);
		ck_assert_str_eq(scope_name(i), scope_values[i]);
	}
}
END_TEST

/* Unit levels have private C tables (units.c): every level of the CHECK passes the field
 * table, an unknown one does not. */
START_TEST(test_the_units_field_table_takes_every_level_of_the_check)
{
	json_t *levels = check_list("units.level");
	size_t i;
	json_t *v;
	json_array_foreach(levels, i, v)
	{
		char body[200];
		snprintf(body, sizeof body, "{\"code\":\"ENUM-%zu\",\"name\":\"Probe\",\"level\":\"%s\"}",
			 i, json_string_value(v));
		struct http_response r;
		world_call(&r, &w, "POST", "/api/v1/units", w.admin, body, NULL);
		ck_assert_msg(!response_has_error(&r, "/level", "invalid_value"),
			      "UnitLevel: '%s' is in the CHECK on units.level but not in the C table: %s",
			      json_string_value(v), r.body);
		http_response_free(&r);
	}
	json_decref(levels);
	struct http_response r;
	world_call(&r, &w, "POST", "/api/v1/units", w.admin,
		   "{\"code\":\"ENUM-X\",\"name\":\"Probe\",\"level\":\"hamlet\"}", NULL);
	ck_assert_msg(response_has_error(&r, "/level", "invalid_value"), "%s", r.body);
	http_response_free(&r);
}
END_TEST

Suite *enum_sources_suite(void)
{
	Suite *s = suite_create("enum sources");
	TCase *tc = tcase_create("enum sources");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_enum_has_the_same_values_in_sql_c_and_the_spec);
	tcase_add_test(tc, test_every_role_name_is_one_of_authz_roles_and_back);
	tcase_add_test(tc, test_the_units_field_table_takes_every_level_of_the_check);
	suite_add_tcase(s, tc);
	return s;
}
