/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Time in ticks: the TSC on x86-64 (~9 ns to read here, against ~20 ns for clock_gettime) when
 * the kernel itself keeps time with it, calibrated once against CLOCK_MONOTONIC; nanoseconds of
 * CLOCK_MONOTONIC otherwise. Threads move between CPUs (an application's own threads are not
 * pinned), so the TSC measures time only if every CPU's counter runs in step, which the kernel
 * checks before it picks "tsc" as its clocksource. QEMU's guests under TCG fail that check
 * ("Marking TSC unstable due to TSCs unsynchronized": the kernel uses hpet there).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <spdkrt/thread.h>

#define CALIBRATION_NS 20000000ull
#define CLOCKSOURCE_PATH "/sys/devices/system/clocksource/clocksource0/current_clocksource"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)
#include <x86intrin.h>

static bool g_use_tsc;
static uint64_t g_start_tsc, g_start_ns;
static _Atomic uint64_t g_hz;

static bool kernel_keeps_time_with_tsc(void)
{
	char name[32] = "";
	FILE *f = fopen(CLOCKSOURCE_PATH, "re");

	if (f == NULL)
		return false;
	if (fgets(name, sizeof(name), f) == NULL)
		name[0] = '\0';
	fclose(f);
	return strcmp(name, "tsc\n") == 0;
}

/* Chooses the clock, and starts the TSC's calibration window at load time so that the first
 * spdkrt_get_ticks_hz rarely waits. Runs before any thread of the library exists. */
__attribute__((constructor)) static void ticks_init(void)
{
	g_use_tsc = kernel_keeps_time_with_tsc();
	g_start_ns = monotonic_ns();
	g_start_tsc = __rdtsc();
	if (!g_use_tsc)
		atomic_store(&g_hz, 1000000000ull);
}

uint64_t spdkrt_get_ticks(void)
{
	return g_use_tsc ? __rdtsc() : monotonic_ns();
}

uint64_t spdkrt_get_ticks_hz(void)
{
	uint64_t hz = atomic_load_explicit(&g_hz, memory_order_relaxed);
	uint64_t ns, tsc;

	if (hz != 0)
		return hz;
	ns = monotonic_ns();
	if (ns - g_start_ns < CALIBRATION_NS) {
		uint64_t wait = CALIBRATION_NS - (ns - g_start_ns);
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)wait };

		nanosleep(&ts, NULL);
		ns = monotonic_ns();
	}
	tsc = __rdtsc();
	hz = (uint64_t)((double)(tsc - g_start_tsc) * 1e9 / (double)(ns - g_start_ns));
	if (hz == 0)
		hz = 1;
	atomic_store(&g_hz, hz);
	return hz;
}
#else
uint64_t spdkrt_get_ticks(void)
{
	return monotonic_ns();
}

uint64_t spdkrt_get_ticks_hz(void)
{
	return 1000000000ull;
}
#endif
