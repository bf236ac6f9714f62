/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Logging and error strings.
 *
 * Every log line of spdkrt (and of DPDK, which spdkrt routes through the same path) goes to one
 * sink: stderr by default, or a function a host runtime installs to route lines into its own
 * logging. The level and sink may be changed from any thread at any time.
 */
#ifndef SPDKRT_LOG_H
#define SPDKRT_LOG_H

#include <stddef.h>

#include <spdkrt/api.h>

SPDKRT_BEGIN_DECLS

/** Severity of a log line; a line is emitted when its level is <= the current level. */
enum spdkrt_log_level {
	SPDKRT_LOG_ERROR = 0,  /**< an operation failed */
	SPDKRT_LOG_WARN = 1,   /**< something unexpected that spdkrt worked around */
	SPDKRT_LOG_NOTICE = 2, /**< normal but significant (the default level) */
	SPDKRT_LOG_INFO = 3,   /**< informational */
	SPDKRT_LOG_DEBUG = 4,  /**< developer detail */
};

/**
 * Receives one log line.
 *
 * @param ctx the ctx given to spdkrt_log_set_sink()
 * @param level severity of the line
 * @param component the part of spdkrt that logged ("env", "bdev", "dpdk", ...)
 * @param message the text, without a trailing newline; valid only during the call
 */
typedef void (*spdkrt_log_sink_fn)(void *ctx, enum spdkrt_log_level level, const char *component,
				   const char *message);

/**
 * Set the most verbose level that is emitted. The initial level is SPDKRT_LOG_NOTICE, or the
 * value of the environment variable SPDKRT_LOG_LEVEL ("error", "warn", "notice", "info",
 * "debug") when it is set.
 *
 * @return 0, or -EINVAL for a value outside enum spdkrt_log_level.
 */
SPDKRT_API int spdkrt_log_set_level(enum spdkrt_log_level level);

/** @return the current log level. */
SPDKRT_API enum spdkrt_log_level spdkrt_log_get_level(void);

/**
 * Parse a level name ("error", "warn", "notice", "info", "debug", or the digits 0-4).
 *
 * @return 0 and the level in *level, or -EINVAL for NULL or an unknown name.
 */
SPDKRT_API int spdkrt_log_level_from_name(const char *name, enum spdkrt_log_level *level);

/** @return the name of a level ("error", ...), or "unknown". */
SPDKRT_API const char *spdkrt_log_level_name(enum spdkrt_log_level level);

/**
 * Route log lines to fn instead of stderr. fn may be called from any thread, one line at a time
 * (calls are serialised). Passing NULL restores the default stderr sink. fn may call
 * spdkrt_log_set_sink() (to uninstall itself, say) and other spdkrt functions; lines those log
 * while fn runs go to stderr instead of into fn again.
 */
SPDKRT_API void spdkrt_log_set_sink(spdkrt_log_sink_fn fn, void *ctx);

/**
 * Describe an error code as returned by spdkrt functions.
 *
 * @param negative_errno a negative errno value (a positive value is accepted too).
 * @return a static string; never NULL.
 */
SPDKRT_API const char *spdkrt_strerror(int negative_errno);

/**
 * Copy a bdev spec for showing it (a message, a terminal) with its secrets masked as "***": the
 * values of key-like keys ("key", "key2", whatever their case or spacing) and every run of 17 or
 * more hexadecimal digits, wherever it is (a key given without its name, a misspelt key).
 * The library's own log lines are masked the same way. Use it before printing any spec.
 *
 * @param spec the spec as given ("crypto:name=C0,base=M0,key=...,key2=..."); NULL shows "(null)"
 * @param buf receives the masked text, truncated to size
 * @param size size of buf
 * @return buf, or "" when buf is NULL or size is 0
 */
SPDKRT_API const char *spdkrt_spec_redact(const char *spec, char *buf, size_t size);

SPDKRT_END_DECLS

#endif /* SPDKRT_LOG_H */
