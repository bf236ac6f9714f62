/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Secrets never reach a log line or a terminal. Crypto keys travel in bdev specs as hex; a typo
 * in the spec must not make one visible, so redaction does not rely on parsing: every log line
 * and every spec shown loses its long hex runs, and the values of key-like keys.
 */
#ifndef SRT_UTIL_REDACT_H
#define SRT_UTIL_REDACT_H

#include <stdbool.h>
#include <stddef.h>

/* Longer than any 64-bit value printed in hex (16 digits), shorter than a 128-bit key (32). */
#define SRT_REDACT_HEX_RUN 17

/*
 * Masks, in place, every run of SRT_REDACT_HEX_RUN or more hexadecimal digits with "***" (the
 * text only shrinks). truncated: the text was cut at its end, so a hex run that ends it may be
 * the start of a longer one; it is masked whatever its length.
 */
void srt_redact_hex_runs(char *text, bool truncated);

#endif
