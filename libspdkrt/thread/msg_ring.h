/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded, lock-free multi-producer single-consumer ring of messages. Producers claim a slot
 * with a CAS on the tail and publish it with a per-slot sequence number, so one sender's
 * messages are consumed in the order it pushed them; a full ring refuses (-ENOMEM).
 */
#ifndef SRT_THREAD_MSG_RING_H
#define SRT_THREAD_MSG_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <spdkrt/thread.h>

struct srt_msg_slot {
	_Atomic size_t seq;
	spdkrt_msg_fn fn;
	void *ctx;
};

struct srt_msg_ring {
	struct srt_msg_slot *slots;
	size_t mask;
	_Alignas(64) _Atomic size_t tail; /* next slot producers claim */
	_Alignas(64) size_t head;         /* next slot the consumer reads */
};

/* capacity must be a power of two. */
int srt_msg_ring_init(struct srt_msg_ring *ring, size_t capacity);
void srt_msg_ring_fini(struct srt_msg_ring *ring);
/* Any thread. 0 or -ENOMEM when full. */
int srt_msg_ring_push(struct srt_msg_ring *ring, spdkrt_msg_fn fn, void *ctx);
/* Consumer only. false when no published message is at the head. */
bool srt_msg_ring_pop(struct srt_msg_ring *ring, spdkrt_msg_fn *fn, void **ctx);
/* True when nothing is queued or being queued. */
bool srt_msg_ring_empty(struct srt_msg_ring *ring);

#endif
