/* SPDX-License-Identifier: BSD-3-Clause */
/* Layers the app runner tears down on the app thread before its reactors stop. */
#ifndef SRT_APP_SUBSYSTEMS_H
#define SRT_APP_SUBSYSTEMS_H

/* Releases every subsystem (e.g. destroys the remaining bdevs), then calls done(ctx). */
void srt_subsystems_fini(void (*done)(void *ctx), void *ctx);

#endif
