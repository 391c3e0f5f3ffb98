#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *env_or_die(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "harness: %s is not set (run the tests through tests/run.sh)\n", name);
		exit(2);
	}
	return v;
}

static PGconn *connect_or_fail(const char *url)
{
	PGconn *pg = PQconnectdb(url);
	ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "cannot connect to %s: %s", url,
		      PQerrorMessage(pg));
	return pg;
}

const char *db_create(const char *name_hint)
{
	static char url[512];
	static int counter;
	char name[64];
	snprintf(name, sizeof name, "t_%s_%d_%d", name_hint, (int)getpid(), ++counter);
	PGconn *pg = connect_or_fail(env_or_die("CDTT_TEST_ADMIN_URL"));
	char sql[160];
	snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER cdtt", name);
	PGresult *res = PQexec(pg, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	snprintf(url, sizeof url, "postgresql://cdtt@/%s?host=%s/sock", name,
		 env_or_die("CDTT_TEST_PGDIR"));
	return url;
}

char *db_query_value(const char *url, const char *sql)
{
	PGconn *pg = connect_or_fail(url);
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(pg));
	char *v = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	PQfinish(pg);
	return v;
}

void db_exec_ok(const char *url, const char *sql)
{
	PGconn *pg = connect_or_fail(url);
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
		      PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
}

int db_sessions_waiting(const char *url, const char *wait_event, long want)
{
	char sql[300];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
		 " AND wait_event_type = 'Lock' AND wait_event = '%s'", wait_event);
	for (int tries = 0; tries < 500; tries++, usleep(20000)) {
		char *v = db_query_value(url, sql);
		long n = v ? strtol(v, NULL, 10) : -1;
		free(v);
		if (n == want)
			return 1;
	}
	return 0;
}

static void cluster(const char *verb)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "deploy/pg.sh %s '%s' >/dev/null", verb,
		 env_or_die("CDTT_TEST_PGDIR"));
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

void cluster_stop(void)
{
	cluster("stop");
}

void cluster_start(void)
{
	cluster("start");
}

int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	ck_assert(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	return ntohs(a.sin_port);
}

void proc_spawn(struct proc *p, const char *const *env, const char *const *args)
{
	static int counter;
	/* in the run's own folder, which tests/run.sh removes: parallel runs keep their logs */
	snprintf(p->log_path, sizeof p->log_path, "%s/cdtt-test-%d-%d.log",
		 env_or_die("CDTT_TEST_PGDIR"), (int)getpid(), ++counter);
	const char *bin = env_or_die("CDTT_BIN");
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)bin;
	for (; args && *args && argc < 15; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	char *envp[40];
	int envc = 0;
	/* Only PATH and the sanitizers' settings pass from our environment; CDTT_* never do. */
	static const char *const inherit[] = {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS",
					      "LSAN_OPTIONS"};
	static char inherited[4][1024];
	for (size_t i = 0; i < 4; i++) {
		const char *v = getenv(inherit[i]);
		if (v) {
			snprintf(inherited[i], sizeof inherited[i], "%s=%s", inherit[i], v);
			envp[envc++] = inherited[i];
		}
	}
	for (; env && *env && envc < 39; env++)
		envp[envc++] = (char *)*env;
	envp[envc] = NULL;
	fflush(NULL);
	p->pid = fork();
	ck_assert(p->pid >= 0);
	if (p->pid == 0) {
		int fd = open(p->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		execve(bin, argv, envp);
		_exit(127);
	}
}

int proc_wait(struct proc *p, int timeout_ms)
{
	for (int waited = 0;; waited += 10) {
		int status;
		pid_t r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (waited >= timeout_ms) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			ck_abort_msg("cdtt did not exit within %d ms", timeout_ms);
		}
		usleep(10000);
	}
}

char *proc_output(const struct proc *p)
{
	FILE *f = fopen(p->log_path, "rb");
	ck_assert(f);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

char *proc_output_content(const struct proc *p)
{
	static const char *const chance_keys[] = {"time", "request_id", "duration_ms", "actor",
						  "client"};
	char *all = proc_output(p);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char *save = NULL;
	for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *doc = json_loads(line, 0, NULL);
		if (!json_is_object(doc)) {
			fprintf(mem, "%s\n", line);
			json_decref(doc);
			continue;
		}
		for (size_t i = 0; i < sizeof chance_keys / sizeof *chance_keys; i++)
			json_object_del(doc, chance_keys[i]);
		char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(mem, "%s\n", text);
		free(text);
		json_decref(doc);
	}
	fclose(mem);
	free(all);
	return buf;
}

void serve_start(struct proc *p, const char *database_url, const char *const *extra_env)
{
	static char url_var[600], listen_var[64];
	p->port = free_port();
	snprintf(url_var, sizeof url_var, "CDTT_DATABASE_URL=%s", database_url);
	snprintf(listen_var, sizeof listen_var, "CDTT_LISTEN=127.0.0.1:%d", p->port);
	const char *env[32] = {url_var, listen_var, "CDTT_THREADS=4"};
	int n = 3, has_key_file = 0;
	static char replica_var[640];
	for (; extra_env && *extra_env && n < 30; extra_env++) {
		has_key_file |= !strncmp(*extra_env, "CDTT_JWT_KEY_FILE=", 18);
		env[n++] = *extra_env;
		if (!strcmp(*extra_env, "CDTT_DATABASE_REPLICA_URL=")) { /* the same database */
			snprintf(replica_var, sizeof replica_var, "CDTT_DATABASE_REPLICA_URL=%s",
				 database_url);
			env[n - 1] = replica_var;
		}
	}
	if (!has_key_file)
		env[n++] = "CDTT_JWT_SECRET=" TEST_JWT_SECRET;
	env[n] = NULL;
	const char *args[] = {"serve", NULL};
	proc_spawn(p, env, args);
	for (int i = 0; i < 1000; i++) { /* up to 10 s: migrations on a fresh database */
		int status;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			char *out = proc_output(p);
			ck_abort_msg("cdtt serve exited at start: %s", out);
		}
		CURL *c = curl_easy_init();
		char url[64];
		snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", p->port);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 500L);
		CURLcode rc = curl_easy_perform(c);
		curl_easy_cleanup(c);
		if (rc == CURLE_OK)
			return;
		usleep(10000);
	}
	ck_abort_msg("cdtt serve did not answer /healthz within 10 s");
}

int serve_stop(struct proc *p)
{
	kill(p->pid, SIGTERM);
	return proc_wait(p, 15000);
}

struct buffer {
	char *data;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buffer *b = userdata;
	size_t n = size * nmemb;
	char *grown = realloc(b->data, b->len + n + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, ptr, n);
	b->data = grown;
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static size_t collect_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buffer *b = userdata;
	/* A new status line (after a 100 Continue) starts the final response's block afresh. */
	if (size * nmemb > 5 && !strncmp(ptr, "HTTP/", 5))
		b->len = 0;
	return collect(ptr, size, nmemb, userdata);
}

void http_request(struct http_response *r, const char *method, int port, const char *path,
		  const char *const *headers, const char *body, size_t body_len)
{
	memset(r, 0, sizeof *r);
	CURL *c = curl_easy_init();
	char url[1024];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	struct buffer bbuf = {0}, hbuf = {0};
	struct curl_slist *list = NULL;
	for (; headers && *headers; headers++)
		list = curl_slist_append(list, *headers);
	list = curl_slist_append(list, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	CURLcode rc = curl_easy_perform(c);
	ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	r->body = bbuf.data ? bbuf.data : strdup("");
	r->body_len = bbuf.len;
	r->headers = hbuf.data ? hbuf.data : strdup("");
}

void http_get(struct http_response *r, int port, const char *path)
{
	http_request(r, "GET", port, path, NULL, NULL, 0);
}

char *http_header_value(const struct http_response *r, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = r->headers; line && *line;) {
		const char *eol = strstr(line, "\r\n");
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len > n && !strncasecmp(line, name, n) && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			return strndup(v, len - (size_t)(v - line));
		}
		line = eol ? eol + 2 : NULL;
	}
	return NULL;
}

void http_response_free(struct http_response *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

void assert_problem(const struct http_response *r, long status)
{
	ck_assert_msg(r->status == status, "status %ld, expected %ld; body %s", r->status, status,
		      r->body);
	char *ct = http_header_value(r, "Content-Type");
	ck_assert_msg(ct && !strcmp(ct, "application/problem+json"), "content type %s", ct);
	free(ct);
	json_error_t err;
	json_t *doc = json_loads(r->body, 0, &err);
	ck_assert_msg(doc, "problem body is not JSON: %s", r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")), status);
	ck_assert(json_is_string(json_object_get(doc, "type")));
	ck_assert(json_is_string(json_object_get(doc, "title")));
	char *rid = http_header_value(r, "X-Request-Id");
	ck_assert_msg(rid, "no X-Request-Id");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "instance")), rid);
	free(rid);
	json_decref(doc);
}
