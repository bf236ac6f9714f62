/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Attributes shared by every public spdkrt header.
 */
#ifndef SPDKRT_API_H
#define SPDKRT_API_H

/** Marks a function as part of the exported, versioned spdkrt ABI. */
#if defined(__GNUC__)
#define SPDKRT_API __attribute__((visibility("default")))
#else
#define SPDKRT_API
#endif

#ifdef __cplusplus
/** Opens the C-linkage block of a public header (for C++ users). */
#define SPDKRT_BEGIN_DECLS extern "C" {
/** Closes the C-linkage block of a public header. */
#define SPDKRT_END_DECLS }
#else
/** Opens the C-linkage block of a public header (empty in C). */
#define SPDKRT_BEGIN_DECLS
/** Closes the C-linkage block of a public header (empty in C). */
#define SPDKRT_END_DECLS
#endif

/** Compile-time check of a public struct's layout, in C and in C++. */
#ifdef __cplusplus
#define SPDKRT_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define SPDKRT_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#endif /* SPDKRT_API_H */
