/*
 * yaml2json: converts the OpenAPI document from YAML (what people edit) to JSON (what the
 * server serves), with libyaml and jansson. Scalars follow the YAML 1.2 core schema: plain
 * null/true/false/integers/floats become JSON values, everything quoted stays a string. It
 * refuses anchors, aliases, tags it does not know and duplicate keys, which the spec must not use.
 *
 *   yaml2json IN.yaml OUT.json
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <yaml.h>

static yaml_parser_t parser;
static const char *input_name;

static void fail(const char *what, const yaml_event_t *ev)
{
	fprintf(stderr, "%s:%zu: %s\n", input_name, ev ? ev->start_mark.line + 1 : 0, what);
	exit(1);
}

static json_t *plain_scalar(const char *s)
{
	static regex_t int_re, float_re;
	static int compiled;
	if (!compiled) {
		regcomp(&int_re, "^[-+]?[0-9]+$", REG_EXTENDED | REG_NOSUB);
		regcomp(&float_re, "^[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?$",
			REG_EXTENDED | REG_NOSUB);
		compiled = 1;
	}
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	if (!regexec(&int_re, s, 0, NULL, 0)) {
		errno = 0;
		long long v = strtoll(s, NULL, 10);
		if (errno == 0)
			return json_integer(v);
	}
	if (!regexec(&float_re, s, 0, NULL, 0))
		return json_real(strtod(s, NULL));
	return json_string(s);
}

static void next(yaml_event_t *ev)
{
	if (!yaml_parser_parse(&parser, ev)) {
		fprintf(stderr, "%s:%zu: %s\n", input_name, parser.problem_mark.line + 1,
			parser.problem ? parser.problem : "parse error");
		exit(1);
	}
}

static json_t *node(yaml_event_t *ev);

static json_t *mapping(void)
{
	json_t *obj = json_object();
	for (;;) {
		yaml_event_t key;
		next(&key);
		if (key.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&key);
			return obj;
		}
		if (key.type != YAML_SCALAR_EVENT)
			fail("mapping keys must be scalars", &key);
		const char *k = (const char *)key.data.scalar.value;
		if (json_object_get(obj, k))
			fail("duplicate key", &key);
		yaml_event_t val;
		next(&val);
		json_object_set_new(obj, k, node(&val));
		yaml_event_delete(&key);
	}
}

static json_t *sequence(void)
{
	json_t *arr = json_array();
	for (;;) {
		yaml_event_t ev;
		next(&ev);
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		json_array_append_new(arr, node(&ev));
	}
}

/* Converts the node that starts with *ev; consumes and deletes ev. */
static json_t *node(yaml_event_t *ev)
{
	json_t *out = NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *tag = (const char *)ev->data.scalar.tag;
		const char *v = (const char *)ev->data.scalar.value;
		if (tag && strcmp(tag, "tag:yaml.org,2002:str") && strcmp(tag, "!"))
			fail("unsupported tag", ev);
		out = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag ? plain_scalar(v)
									       : json_string(v);
		if (!out)
			fail("scalar is not valid UTF-8", ev);
		break;
	}
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor)
			fail("anchors are not allowed", ev);
		out = mapping();
		break;
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor)
			fail("anchors are not allowed", ev);
		out = sequence();
		break;
	case YAML_ALIAS_EVENT:
		fail("aliases are not allowed", ev);
		break;
	default:
		fail("unexpected YAML event", ev);
	}
	yaml_event_delete(ev);
	return out;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: yaml2json IN.yaml OUT.json\n");
		return 2;
	}
	input_name = argv[1];
	FILE *in = fopen(argv[1], "rb");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, in);
	yaml_event_t ev;
	json_t *doc = NULL;
	do {
		next(&ev);
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			if (doc)
				fail("only one YAML document is allowed", &ev);
			yaml_event_delete(&ev);
			next(&ev);
			doc = node(&ev);
			continue;
		}
		int done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (done)
			break;
	} while (1);
	yaml_parser_delete(&parser);
	fclose(in);
	if (!doc)
		fail("empty document", NULL);
	/* JSON_ESCAPE_SLASH keeps "</script>" out of the docs page that inlines this document. */
	int rc = json_dump_file(doc, argv[2], JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ESCAPE_SLASH);
	json_decref(doc);
	return rc == 0 ? 0 : 1;
}
