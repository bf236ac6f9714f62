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
#define SPDKRT_BEGIN_DECLS extern "C" {
#define SPDKRT_END_DECLS }
#else
#define SPDKRT_BEGIN_DECLS
#define SPDKRT_END_DECLS
#endif

#endif /* SPDKRT_API_H */
