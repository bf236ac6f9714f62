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
void srt_bdev_stats_add(struct spdkrt_bdev_stats *sum, const struct spdkrt_bdev_stats *add)
{
	for (int t = 0; t < SPDKRT_BDEV_IO_TYPE_SLOTS; t++) {
		uint64_t max = LOAD(add->max_latency_ticks[t]);

		sum->ops[t] += LOAD(add->ops[t]);
		sum->bytes[t] += LOAD(add->bytes[t]);
		sum->latency_ticks[t] += LOAD(add->latency_ticks[t]);
		if (max > sum->max_latency_ticks[t])
			sum->max_latency_ticks[t] = max;
	}
	sum->errors += LOAD(add->errors);
}

static void copy_out(struct spdkrt_bdev_stats *out, size_t size,
		     const struct spdkrt_bdev_stats *stats)
{
	memcpy(out, stats, size < sizeof(*stats) ? size : sizeof(*stats));
}

int spdkrt_bdev_get_stats(struct spdkrt_bdev *bdev, struct spdkrt_bdev_stats *out, size_t size)
{
	struct spdkrt_bdev_stats sum = { .ticks_hz = spdkrt_get_ticks_hz() };
	struct srt_bdev_channel *ch;

	if (bdev == NULL || out == NULL || size == 0) {
		SRT_ERR("spdkrt_bdev_get_stats: NULL bdev or stats, or size 0");
		return -EINVAL;
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
	struct spdkrt_bdev_stats sum = { .ticks_hz = spdkrt_get_ticks_hz() };

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
