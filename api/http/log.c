#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
	min_level = level;
}

static void timestamp(char out[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void emit(json_t *line)
{
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (text) {
		pthread_mutex_lock(&out_lock);
		fputs(text, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		pthread_mutex_unlock(&out_lock);
		free(text);
	}
	json_decref(line);
}

void log_event(enum log_level level, const char *message, const char *key, const char *value)
{
	if (level < min_level)
		return;
	char ts[32];
	timestamp(ts);
	json_t *line = json_pack("{s:s, s:s, s:s}", "time", ts, "level", level_names[level], "msg",
				 message);
	if (key && value)
		json_object_set_new(line, key, json_string(value));
	emit(line);
}

void log_request(const struct req_ctx *ctx, const char *client, const char *method,
		 const char *route, unsigned status, double duration_ms)
{
	enum log_level level = status >= 500 ? LOG_ERROR : LOG_INFO;
	if (level < min_level)
		return;
	char ts[32];
	timestamp(ts);
	json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f}", "time", ts, "level",
				 level_names[level], "request_id", ctx->request_id, "method", method,
				 "route", route, "status", (int)status, "duration_ms",
				 (double)((long long)(duration_ms * 1000)) / 1000);
	json_object_set_new(line, "actor", ctx->actor[0] ? json_string(ctx->actor) : json_null());
	json_object_set_new(line, "client", client && *client ? json_string(client) : json_null());
	emit(line);
}
