/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Register access for drivers (and for models, which must use the same calls on their side).
 *
 * Accesses are single, naturally aligned loads and stores that the compiler may not split, merge
 * or drop. Stores are release and loads acquire: on x86 that costs nothing (plain mov), and it
 * gives a model running on another OS thread the happens-before edge it needs to see the queue
 * entries a doorbell announces (TSan checks that edge; hardware gets it from the barriers below).
 */
#ifndef SRT_ENV_MMIO_H
#define SRT_ENV_MMIO_H

#include <stdint.h>

/*
 * Orders earlier CPU stores to DMA memory before later stores (a doorbell): the device must not
 * fetch a queue entry before it is complete. Pairs with the device's read of that memory after
 * it sees the doorbell (for models: the acquire load in srt_mmio_read32).
 */
static inline void srt_wmb(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("sfence" ::: "memory");
#elif defined(__aarch64__)
	__asm__ volatile("dsb st" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/*
 * Orders an earlier load (a completion entry's phase bit, a register) before later loads of the
 * DMA memory it describes. Pairs with the device writing the data before the completion.
 */
static inline void srt_rmb(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("lfence" ::: "memory");
#elif defined(__aarch64__)
	__asm__ volatile("dsb ld" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static inline uint8_t srt_mmio_read8(const volatile void *reg)
{
	return __atomic_load_n((const volatile uint8_t *)reg, __ATOMIC_ACQUIRE);
}

static inline uint16_t srt_mmio_read16(const volatile void *reg)
{
	return __atomic_load_n((const volatile uint16_t *)reg, __ATOMIC_ACQUIRE);
}

static inline uint32_t srt_mmio_read32(const volatile void *reg)
{
	return __atomic_load_n((const volatile uint32_t *)reg, __ATOMIC_ACQUIRE);
}

static inline uint64_t srt_mmio_read64(const volatile void *reg)
{
	return __atomic_load_n((const volatile uint64_t *)reg, __ATOMIC_ACQUIRE);
}

static inline void srt_mmio_write8(volatile void *reg, uint8_t value)
{
	__atomic_store_n((volatile uint8_t *)reg, value, __ATOMIC_RELEASE);
}

static inline void srt_mmio_write16(volatile void *reg, uint16_t value)
{
	__atomic_store_n((volatile uint16_t *)reg, value, __ATOMIC_RELEASE);
}

static inline void srt_mmio_write32(volatile void *reg, uint32_t value)
{
	__atomic_store_n((volatile uint32_t *)reg, value, __ATOMIC_RELEASE);
}

static inline void srt_mmio_write64(volatile void *reg, uint64_t value)
{
	__atomic_store_n((volatile uint64_t *)reg, value, __ATOMIC_RELEASE);
}

/* A doorbell: the queue entries written before it reach memory first (srt_wmb, see above). */
static inline void srt_mmio_doorbell32(volatile void *reg, uint32_t value)
{
	srt_wmb();
	srt_mmio_write32(reg, value);
}

#endif
