/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the unit tests: cmocka, and a log sink that records lines to assert on. */
#ifndef SPDKRT_TEST_COMMON_H
#define SPDKRT_TEST_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <spdkrt/log.h>

struct log_capture {
	char text[16384];
	size_t len;
	unsigned lines;
};

static struct log_capture g_log_capture;

static inline void log_capture_sink(void *ctx, enum spdkrt_log_level level, const char *component,
				    const char *message)
{
	struct log_capture *c = ctx;
	int n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%s [%s] %s\n",
			 spdkrt_log_level_name(level), component, message);

	if (n > 0 && c->len + (size_t)n < sizeof(c->text))
		c->len += (size_t)n;
	c->lines++;
}

/* Start recording log lines (replaces the sink). */
static inline void log_capture_start(void)
{
	memset(&g_log_capture, 0, sizeof(g_log_capture));
	spdkrt_log_set_sink(log_capture_sink, &g_log_capture);
}

static inline void log_capture_stop(void)
{
	spdkrt_log_set_sink(NULL, NULL);
}

static inline void log_capture_clear(void)
{
	g_log_capture.len = 0;
	g_log_capture.lines = 0;
	g_log_capture.text[0] = '\0';
}

/* Asserts that a line containing needle was logged since log_capture_start, then clears. */
#define assert_logged(needle)                                                                      \
	do {                                                                                       \
		if (strstr(g_log_capture.text, (needle)) == NULL)                                  \
			fail_msg("expected a log line containing '%s'; log was:\n%s", (needle),    \
				 g_log_capture.text);                                              \
		log_capture_clear();                                                               \
	} while (0)

#endif
