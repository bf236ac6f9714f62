/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal logging: each .c defines SRT_LOG_COMPONENT before including this header. */
#ifndef SRT_UTIL_LOG_H
#define SRT_UTIL_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

#include <spdkrt/log.h>

extern _Atomic int srt_log_level;

void srt_log(enum spdkrt_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline bool srt_log_enabled(enum spdkrt_log_level level)
{
	return (int)level <= atomic_load_explicit(&srt_log_level, memory_order_relaxed);
}

/* Emit the line already formatted (used to forward DPDK's lines). */
void srt_log_line(enum spdkrt_log_level level, const char *component, const char *line);

#define SRT_LOG(level, ...)                                                                        \
	do {                                                                                       \
		if (srt_log_enabled(level))                                                        \
			srt_log(level, SRT_LOG_COMPONENT, __VA_ARGS__);                            \
	} while (0)
#define SRT_ERR(...) SRT_LOG(SPDKRT_LOG_ERROR, __VA_ARGS__)
#define SRT_WARN(...) SRT_LOG(SPDKRT_LOG_WARN, __VA_ARGS__)
#define SRT_NOTICE(...) SRT_LOG(SPDKRT_LOG_NOTICE, __VA_ARGS__)
#define SRT_INFO(...) SRT_LOG(SPDKRT_LOG_INFO, __VA_ARGS__)
#define SRT_DEBUG(...) SRT_LOG(SPDKRT_LOG_DEBUG, __VA_ARGS__)

/* misuse.c: abort()s when SPDKRT_FATAL_MISUSE=1 is set in the environment, else returns. */
void srt_misuse_seen(void);

/*
 * A caller broke a rule of the API with a handle (stale, freed twice, another thread's, a nested
 * poll): an error line, then the fatal misuse mode's abort() if it is on.
 */
#define SRT_MISUSE(...)                                                                            \
	do {                                                                                       \
		SRT_ERR(__VA_ARGS__);                                                              \
		srt_misuse_seen();                                                                 \
	} while (0)

#endif
