/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "thread/msg_ring.h"

#define CLOSED ((size_t)1 << (sizeof(size_t) * 8 - 1))

int srt_msg_ring_init(struct srt_msg_ring *ring, size_t capacity)
{
	if (capacity < 2 || (capacity & (capacity - 1)) != 0)
		return -EINVAL;
	ring->slots = calloc(capacity, sizeof(*ring->slots));
	if (ring->slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < capacity; i++)
		atomic_init(&ring->slots[i].seq, i);
	ring->mask = capacity - 1;
	atomic_init(&ring->tail, 0);
	ring->head = 0;
	return 0;
}

void srt_msg_ring_fini(struct srt_msg_ring *ring)
{
	free(ring->slots);
	ring->slots = NULL;
}

int srt_msg_ring_push(struct srt_msg_ring *ring, spdkrt_msg_fn fn, void *ctx)
{
	size_t pos = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	struct srt_msg_slot *slot;

	for (;;) {
		intptr_t diff;

		if (pos & CLOSED)
			return -ESHUTDOWN;
		slot = &ring->slots[pos & ring->mask];
		diff = (intptr_t)atomic_load_explicit(&slot->seq, memory_order_acquire) -
		       (intptr_t)pos;
		if (diff == 0) {
			if (atomic_compare_exchange_weak_explicit(&ring->tail, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
				break;
		} else if (diff < 0) {
			return -ENOMEM; /* the slot still holds a message from one lap ago */
		} else {
			pos = atomic_load_explicit(&ring->tail, memory_order_relaxed);
		}
	}
	slot->fn = fn;
	slot->ctx = ctx;
	atomic_store_explicit(&slot->seq, pos + 1, memory_order_release);
	return 0;
}

bool srt_msg_ring_pop(struct srt_msg_ring *ring, spdkrt_msg_fn *fn, void **ctx)
{
	struct srt_msg_slot *slot = &ring->slots[ring->head & ring->mask];

	if (atomic_load_explicit(&slot->seq, memory_order_acquire) != ring->head + 1)
		return false;
	*fn = slot->fn;
	*ctx = slot->ctx;
	atomic_store_explicit(&slot->seq, ring->head + ring->mask + 1, memory_order_release);
	ring->head++;
	return true;
}

bool srt_msg_ring_empty(struct srt_msg_ring *ring)
{
	return (atomic_load_explicit(&ring->tail, memory_order_acquire) & ~CLOSED) == ring->head;
}

void srt_msg_ring_close(struct srt_msg_ring *ring)
{
	atomic_fetch_or(&ring->tail, CLOSED);
}

void srt_msg_ring_reopen(struct srt_msg_ring *ring)
{
	atomic_fetch_and(&ring->tail, ~CLOSED);
}
