/* SPDX-License-Identifier: BSD-3-Clause */
/* The CPU copy engine: memcpy/memset, completed inside the submit call. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "copy/engine.h"

static int cpu_open(struct srt_copy_channel **ch)
{
	*ch = malloc(sizeof(**ch));
	if (*ch == NULL)
		return -ENOMEM;
	(*ch)->backend = &srt_copy_cpu_backend;
	return 0;
}

static void cpu_close(struct srt_copy_channel *ch)
{
	free(ch);
}

static int cpu_copy(struct srt_copy_channel *ch, void *dst, const void *src, size_t n,
		    srt_copy_cb cb, void *cb_arg)
{
	(void)ch;
	memcpy(dst, src, n);
	cb(cb_arg, 0);
	return 0;
}

static int cpu_fill(struct srt_copy_channel *ch, void *dst, uint8_t byte, size_t n, srt_copy_cb cb,
		    void *cb_arg)
{
	(void)ch;
	memset(dst, byte, n);
	cb(cb_arg, 0);
	return 0;
}

const struct srt_copy_backend srt_copy_cpu_backend = {
	.name = "cpu",
	.open = cpu_open,
	.close = cpu_close,
	.copy = cpu_copy,
	.fill = cpu_fill,
};
