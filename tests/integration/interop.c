#define _GNU_SOURCE
#include "interop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

int interop_available(const char *test, const char *const *packages)
{
	const char *why = NULL;
	char path[256];
	if (system("node -e 'process.exit(+process.versions.node.split(\".\")[0] >= 20 ? 0 : 1)'"
		   " >/dev/null 2>&1") != 0)
		why = "Node.js 20 or later is not installed";
	for (; !why && *packages; packages++) {
		snprintf(path, sizeof path, ".tools/node_modules/%s/package.json", *packages);
		if (access(path, R_OK) != 0)
			why = "the npm packages are not installed (deploy/install-deps.sh all, with npm)";
	}
	if (!why)
		return 1;
	printf("interop: skipped: %s: %s\n", test, why);
	fflush(stdout);
	return 0;
}

int interop_run(const char *script, const char *const *env, char **output)
{
	size_t cap = 16384, n = 0;
	char *cmd = malloc(cap);
	ck_assert_ptr_nonnull(cmd);
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		ck_assert_ptr_nonnull(eq);
		ck_assert_ptr_null(strchr(*env, '\''));
		n += (size_t)snprintf(cmd + n, cap - n, "%.*s='%s' ", (int)(eq - *env), *env, eq + 1);
		ck_assert_uint_lt(n, cap);
	}
	n += (size_t)snprintf(cmd + n, cap - n, "node tests/interop/%s 2>&1", script);
	ck_assert_uint_lt(n, cap);
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	size_t out_cap = 8192, len = 0;
	char *out = malloc(out_cap);
	ck_assert_ptr_nonnull(out);
	size_t got;
	while ((got = fread(out + len, 1, out_cap - len - 1, f)) > 0) {
		len += got;
		if (out_cap - len < 1024) {
			out_cap *= 2;
			char *bigger = realloc(out, out_cap);
			ck_assert_ptr_nonnull(bigger);
			out = bigger;
		}
	}
	out[len] = '\0';
	int status = pclose(f);
	free(cmd);
	*output = out;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
