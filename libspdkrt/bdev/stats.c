/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/O statistics: sums over a bdev's channels (the per-I/O counting is inline in core.h).
 */
#include <errno.h>
#include <string.h>

#include "bdev/core.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* sum += add, reading add with relaxed atomics. */
void srt_bdev_stats_add(struct srt_bdev_stats *sum, const struct srt_bdev_stats *add)
{
	for (int t = 0; t < SPDKRT_BDEV_IO_TYPE_SLOTS; t++) {
		const struct srt_bdev_type_stats *a = &add->type[t];
		struct srt_bdev_type_stats *s = &sum->type[t];
		uint64_t max = LOAD(a->max_latency_ticks);

		s->ops += LOAD(a->ops);
		s->bytes += LOAD(a->bytes);
		s->latency_ticks += LOAD(a->latency_ticks);
		if (max > s->max_latency_ticks)
			s->max_latency_ticks = max;
	}
	sum->errors += LOAD(add->errors);
}

/* Into the public layout, only the size the caller knows. */
static void copy_out(struct spdkrt_bdev_stats *out, size_t size, const struct srt_bdev_stats *in)
{
	struct spdkrt_bdev_stats pub = { .errors = in->errors, .ticks_hz = spdkrt_get_ticks_hz() };

	for (int t = 0; t < SPDKRT_BDEV_IO_TYPE_SLOTS; t++) {
		pub.ops[t] = in->type[t].ops;
		pub.bytes[t] = in->type[t].bytes;
		pub.latency_ticks[t] = in->type[t].latency_ticks;
		pub.max_latency_ticks[t] = in->type[t].max_latency_ticks;
	}
	memcpy(out, &pub, size < sizeof(pub) ? size : sizeof(pub));
}

int spdkrt_bdev_get_stats(struct spdkrt_bdev *bdev, struct spdkrt_bdev_stats *out, size_t size)
{
	struct srt_bdev_stats sum = { .errors = 0 };
	struct srt_bdev_channel *ch;

	if (bdev == NULL || out == NULL || size == 0) {
		SRT_ERR("spdkrt_bdev_get_stats: NULL bdev or stats, or size 0");
		return -EINVAL;
	}
	if (!srt_bdev_is_known(bdev)) {
		SRT_MISUSE(
			"spdkrt_bdev_get_stats: %p is not a registered bdev (destroyed already?)",
			(void *)bdev);
		return -ENODEV;
	}
	pthread_mutex_lock(&srt_bdev_lock);
	srt_bdev_stats_add(&sum, &bdev->released_stats);
	TAILQ_FOREACH(ch, &bdev->channels, link)
		srt_bdev_stats_add(&sum, &ch->stats);
	pthread_mutex_unlock(&srt_bdev_lock);
	copy_out(out, size, &sum);
	return 0;
}

int spdkrt_bdev_channel_get_stats(struct spdkrt_io_channel *io_ch, struct spdkrt_bdev_stats *out,
				  size_t size)
{
	struct srt_bdev_stats sum = { .errors = 0 };

	if (io_ch == NULL || out == NULL || size == 0) {
		SRT_ERR("spdkrt_bdev_channel_get_stats: NULL channel or stats, or size 0");
		return -EINVAL;
	}
	if (!srt_bdev_is_known(io_ch->io_device)) {
		SRT_ERR("spdkrt_bdev_channel_get_stats: not a bdev channel");
		return -EINVAL;
	}
	srt_bdev_stats_add(&sum, &srt_bdev_channel_of(io_ch)->stats);
	copy_out(out, size, &sum);
	return 0;
}
