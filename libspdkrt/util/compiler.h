/* SPDX-License-Identifier: BSD-3-Clause */
/* Compiler helpers every layer uses: branch hints and the enclosing object of a member. */
#ifndef SRT_UTIL_COMPILER_H
#define SRT_UTIL_COMPILER_H

#include <stddef.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* The object of type `type` whose member `member` is at ptr. */
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
