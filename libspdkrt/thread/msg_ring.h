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
	_Alignas(64) _Atomic size_t tail; /* next slot producers claim; top bit: closed */
	_Alignas(64) size_t head;         /* next slot the consumer reads */
};

/* capacity must be a power of two. */
int srt_msg_ring_init(struct srt_msg_ring *ring, size_t capacity);
void srt_msg_ring_fini(struct srt_msg_ring *ring);
/* Any thread. 0, -ENOMEM when full, -ESHUTDOWN when closed. */
int srt_msg_ring_push(struct srt_msg_ring *ring, spdkrt_msg_fn fn, void *ctx);
/*
 * Consumer only. Closes the ring to producers: a flag in the tail itself, so every push after
 * it fails and every push before it is counted in the tail (one modification order): after the
 * close, srt_msg_ring_empty() is final. No cost for producers beyond the CAS they make anyway.
 */
void srt_msg_ring_close(struct srt_msg_ring *ring);
void srt_msg_ring_reopen(struct srt_msg_ring *ring);
/* Consumer only. false when no published message is at the head. */
bool srt_msg_ring_pop(struct srt_msg_ring *ring, spdkrt_msg_fn *fn, void **ctx);
/* True when nothing is queued or being queued. */
bool srt_msg_ring_empty(struct srt_msg_ring *ring);

#endif
