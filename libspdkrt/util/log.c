/* SPDX-License-Identifier: BSD-3-Clause */
/* The log sink: one serialised destination for every line spdkrt and DPDK emit. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SRT_LOG_COMPONENT "log"
#include "util/log.h"
#include "util/redact.h"

_Atomic int srt_log_level = SPDKRT_LOG_NOTICE;

static pthread_mutex_t g_sink_lock = PTHREAD_MUTEX_INITIALIZER;
static spdkrt_log_sink_fn g_sink_fn;
static void *g_sink_ctx;
/* Set while this OS thread runs the sink (holding g_sink_lock): a sink may call back into us. */
static __thread bool t_in_sink;

static const char *const g_level_names[] = { "error", "warn", "notice", "info", "debug" };
#define NUM_LEVELS ((int)(sizeof(g_level_names) / sizeof(g_level_names[0])))

/* SPDKRT_LOG_LEVEL lets a user turn on debug output of any program without recompiling it. */
__attribute__((constructor)) static void log_level_from_environment(void)
{
	enum spdkrt_log_level level;
	const char *value = getenv("SPDKRT_LOG_LEVEL");

	if (value != NULL && spdkrt_log_level_from_name(value, &level) == 0)
		atomic_store(&srt_log_level, (int)level);
}

int spdkrt_log_set_level(enum spdkrt_log_level level)
{
	if ((int)level < 0 || (int)level >= NUM_LEVELS) {
		SRT_ERR("spdkrt_log_set_level: %d is not a level (0 error .. %d debug)", (int)level,
			NUM_LEVELS - 1);
		return -EINVAL;
	}
	atomic_store(&srt_log_level, (int)level);
	return 0;
}

enum spdkrt_log_level spdkrt_log_get_level(void)
{
	return (enum spdkrt_log_level)atomic_load(&srt_log_level);
}

int spdkrt_log_level_from_name(const char *name, enum spdkrt_log_level *level)
{
	if (name == NULL || level == NULL) {
		SRT_ERR("spdkrt_log_level_from_name: name or level is NULL");
		return -EINVAL;
	}
	for (int i = 0; i < NUM_LEVELS; i++) {
		if (strcasecmp(name, g_level_names[i]) == 0 ||
		    (name[0] == '0' + i && name[1] == '\0')) {
			*level = (enum spdkrt_log_level)i;
			return 0;
		}
	}
	if (strcasecmp(name, "warning") == 0) {
		*level = SPDKRT_LOG_WARN;
		return 0;
	}
	SRT_ERR("unknown log level '%s' (error, warn, notice, info, debug, or 0..%d)", name,
		NUM_LEVELS - 1);
	return -EINVAL;
}

const char *spdkrt_log_level_name(enum spdkrt_log_level level)
{
	if ((int)level < 0 || (int)level >= NUM_LEVELS)
		return "unknown";
	return g_level_names[level];
}

void spdkrt_log_set_sink(spdkrt_log_sink_fn fn, void *ctx)
{
	if (t_in_sink) { /* from inside the sink: this thread holds the lock already */
		g_sink_fn = fn;
		g_sink_ctx = ctx;
		return;
	}
	pthread_mutex_lock(&g_sink_lock);
	g_sink_fn = fn;
	g_sink_ctx = ctx;
	pthread_mutex_unlock(&g_sink_lock);
}

static void log_to_stderr(enum spdkrt_log_level level, const char *component, const char *line)
{
	fprintf(stderr, "spdkrt %s [%s]: %s\n", g_level_names[level], component, line);
}

/* Emits a line already redacted. */
static void emit(enum spdkrt_log_level level, const char *component, const char *line)
{
	if (t_in_sink) { /* a line logged by what the sink called: no recursion into the sink */
		log_to_stderr(level, component, line);
		return;
	}
	pthread_mutex_lock(&g_sink_lock);
	if (g_sink_fn != NULL) {
		t_in_sink = true;
		g_sink_fn(g_sink_ctx, level, component, line);
		t_in_sink = false;
	} else {
		log_to_stderr(level, component, line);
	}
	pthread_mutex_unlock(&g_sink_lock);
}

/* Every line loses its long hex runs: no key reaches a sink, whatever message echoed it. */
void srt_log_line(enum spdkrt_log_level level, const char *component, const char *line)
{
	char copy[1024];
	size_t len = strlen(line);

	memcpy(copy, line, len < sizeof(copy) ? len + 1 : sizeof(copy));
	copy[sizeof(copy) - 1] = '\0';
	srt_redact_hex_runs(copy, len >= sizeof(copy));
	emit(level, component, copy);
	explicit_bzero(copy, sizeof(copy));
}

void srt_log(enum spdkrt_log_level level, const char *component, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	srt_redact_hex_runs(line, n >= (int)sizeof(line));
	emit(level, component, line);
	explicit_bzero(line, sizeof(line));
}
