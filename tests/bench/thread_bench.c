/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Thread layer benchmark (prints figures; asserts nothing about time):
 *  - cross-thread message throughput, one sending OS thread and one polling OS thread;
 *  - round-trip latency between two OS threads;
 *  - the cost of an idle spdkrt_thread_poll().
 * Each message figure is measured for spdkrt_thread_send_msg and, in the same run, for a
 * conventional bounded queue with a mutex and two condition variables, one item per lock.
 *
 * Usage: thread_bench [messages [round_trips]]   (defaults 10000000 and 100000)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spdkrt/thread.h>

#define REPEATS 3

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Pins the calling OS thread to one CPU when the machine has it; best effort. */
static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu >= CPU_SETSIZE)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int g_ncpus;

/* ---- the baseline: a bounded queue under a mutex, with condition variables ---- */

struct mc_item {
	spdkrt_msg_fn fn;
	void *ctx;
};

struct mc_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct mc_item *items;
	size_t capacity, head, count;
};

static void mc_init(struct mc_queue *q, size_t capacity)
{
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	q->items = calloc(capacity, sizeof(*q->items));
	q->capacity = capacity;
	q->head = 0;
	q->count = 0;
}

static void mc_fini(struct mc_queue *q)
{
	free(q->items);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	pthread_mutex_destroy(&q->lock);
}

static void mc_push(struct mc_queue *q, spdkrt_msg_fn fn, void *ctx)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == q->capacity)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->items[(q->head + q->count) % q->capacity] = (struct mc_item){ fn, ctx };
	q->count++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

/* Blocks until an item is there, then runs it outside the lock. */
static void mc_pop_run(struct mc_queue *q)
{
	struct mc_item item;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0)
		pthread_cond_wait(&q->not_empty, &q->lock);
	item = q->items[q->head];
	q->head = (q->head + 1) % q->capacity;
	q->count--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	item.fn(item.ctx);
}

/* ---- throughput: one sender, one receiver ---- */

static uint64_t g_received; /* receiver's OS thread only */

static void count_msg(void *ctx)
{
	(void)ctx;
	g_received++;
}

struct tput {
	uint64_t messages;
	struct spdkrt_thread *thread;
	struct mc_queue *queue;
	_Atomic bool go;
};

static void *spdkrt_sender(void *arg)
{
	struct tput *t = arg;

	pin(0);
	while (!atomic_load(&t->go))
		;
	for (uint64_t i = 0; i < t->messages; i++) {
		while (spdkrt_thread_send_msg(t->thread, count_msg, NULL) == -ENOMEM)
			sched_yield();
	}
	return NULL;
}

static void *mc_sender(void *arg)
{
	struct tput *t = arg;

	pin(0);
	while (!atomic_load(&t->go))
		;
	for (uint64_t i = 0; i < t->messages; i++)
		mc_push(t->queue, count_msg, NULL);
	return NULL;
}

/* Messages per second; the receiver is the calling OS thread. */
static double throughput(uint64_t messages, bool baseline)
{
	struct tput t = { .messages = messages };
	struct mc_queue q;
	pthread_t tid;
	uint64_t start, end;

	g_received = 0;
	if (baseline) {
		mc_init(&q, SPDKRT_THREAD_MSG_RING_SIZE);
		t.queue = &q;
	} else if (spdkrt_thread_create("bench_rx", &t.thread) != 0) {
		fprintf(stderr, "spdkrt_thread_create failed\n");
		exit(1);
	}
	pthread_create(&tid, NULL, baseline ? mc_sender : spdkrt_sender, &t);
	start = now_ns();
	atomic_store(&t.go, true);
	if (baseline) {
		while (g_received < messages)
			mc_pop_run(&q);
	} else {
		while (g_received < messages)
			spdkrt_thread_poll(t.thread, 0, 0);
	}
	end = now_ns();
	pthread_join(tid, NULL);
	if (baseline)
		mc_fini(&q);
	else
		spdkrt_thread_destroy(t.thread);
	return (double)messages * 1e9 / (double)(end - start);
}

/* ---- latency: ping-pong between two OS threads ---- */

struct pingpong {
	/* spdkrt: each side's thread, polled by its OS thread */
	struct spdkrt_thread *a, *b;
	/* baseline: a queue towards each side */
	struct mc_queue to_a, to_b;
	bool baseline;
	_Atomic bool done;
};

static struct pingpong g_pp;
static uint64_t g_pongs; /* a's OS thread only */

static void pong_msg(void *ctx)
{
	(void)ctx;
	g_pongs++;
}

static void ping_msg(void *ctx)
{
	struct pingpong *pp = ctx;

	if (pp->baseline)
		mc_push(&pp->to_a, pong_msg, pp);
	else
		while (spdkrt_thread_send_msg(pp->a, pong_msg, pp) != 0)
			;
}

static void stop_msg(void *ctx)
{
	atomic_store(&((struct pingpong *)ctx)->done, true);
}

static void *ponger(void *arg)
{
	struct pingpong *pp = arg;

	pin(g_ncpus > 1 ? 1 : 0);
	while (!atomic_load(&pp->done)) {
		if (pp->baseline)
			mc_pop_run(&pp->to_b);
		else
			spdkrt_thread_poll(pp->b, 0, 0);
	}
	return NULL;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

struct latency {
	double mean_ns, median_ns, p99_ns;
};

static struct latency round_trip(uint64_t round_trips, bool baseline, uint64_t *samples)
{
	struct pingpong *pp = &g_pp;
	struct latency lat;
	pthread_t tid;
	uint64_t total = 0;

	memset(pp, 0, sizeof(*pp));
	pp->baseline = baseline;
	if (baseline) {
		mc_init(&pp->to_a, 64);
		mc_init(&pp->to_b, 64);
	} else {
		spdkrt_thread_create("bench_a", &pp->a);
		spdkrt_thread_create("bench_b", &pp->b);
	}
	pthread_create(&tid, NULL, ponger, pp);
	pin(0);
	g_pongs = 0;
	for (uint64_t i = 0; i < round_trips; i++) {
		uint64_t start = now_ns();

		if (baseline) {
			mc_push(&pp->to_b, ping_msg, pp);
			mc_pop_run(&pp->to_a);
		} else {
			while (spdkrt_thread_send_msg(pp->b, ping_msg, pp) != 0)
				;
			while (g_pongs == i)
				spdkrt_thread_poll(pp->a, 0, 0);
		}
		samples[i] = now_ns() - start;
		total += samples[i];
	}
	if (baseline)
		mc_push(&pp->to_b, stop_msg, pp);
	else
		while (spdkrt_thread_send_msg(pp->b, stop_msg, pp) != 0)
			;
	pthread_join(tid, NULL);
	if (baseline) {
		mc_fini(&pp->to_a);
		mc_fini(&pp->to_b);
	} else {
		spdkrt_thread_destroy(pp->a);
		spdkrt_thread_destroy(pp->b);
	}
	qsort(samples, round_trips, sizeof(*samples), cmp_u64);
	lat.mean_ns = (double)total / (double)round_trips;
	lat.median_ns = (double)samples[round_trips / 2];
	lat.p99_ns = (double)samples[round_trips * 99 / 100];
	return lat;
}

/* ---- idle poll ---- */

static double idle_poll_ns(uint64_t iterations, bool pass_now)
{
	struct spdkrt_thread *t;
	uint64_t start, end, now = spdkrt_get_ticks();

	spdkrt_thread_create("bench_idle", &t);
	start = now_ns();
	for (uint64_t i = 0; i < iterations; i++)
		spdkrt_thread_poll(t, 0, pass_now ? now : 0);
	end = now_ns();
	spdkrt_thread_destroy(t);
	return (double)(end - start) / (double)iterations;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double median(double *runs)
{
	qsort(runs, REPEATS, sizeof(*runs), cmp_double);
	return runs[REPEATS / 2];
}

int main(int argc, char **argv)
{
	uint64_t messages = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ull;
	uint64_t round_trips = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000ull;
	double rs[REPEATS], rb[REPEATS], ri[REPEATS], rn[REPEATS];
	uint64_t *samples;
	struct latency ls, lb;
	double ts, tb, idle, idle_now;

	if (messages == 0 || round_trips == 0) {
		fprintf(stderr, "usage: %s [messages [round_trips]]\n", argv[0]);
		return 2;
	}
	samples = calloc(round_trips, sizeof(*samples));
	if (samples == NULL)
		return 1;
	g_ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	spdkrt_get_ticks_hz(); /* calibrate before measuring */
	/* the receiver / pinger is this OS thread, on the second CPU when there is one */
	pin(g_ncpus > 1 ? 1 : 0);

	printf("spdkrt thread benchmark: %d CPUs, median of %d runs each\n", g_ncpus, REPEATS);
	/* alternated, so that a slow spell of the machine hits both */
	for (int r = 0; r < REPEATS; r++) {
		rs[r] = throughput(messages, false);
		rb[r] = throughput(messages, true);
	}
	ts = median(rs);
	tb = median(rb);
	printf("cross-thread messages, 1 sender -> 1 receiver, %llu messages:\n",
	       (unsigned long long)messages);
	printf("  spdkrt_thread_send_msg        %12.0f messages/s\n", ts);
	printf("  mutex+condvar queue           %12.0f messages/s\n", tb);
	printf("  ratio                         %12.1fx\n", ts / tb);

	pin(0);
	ls = round_trip(round_trips, false, samples);
	lb = round_trip(round_trips, true, samples);
	printf("round trip between two OS threads, %llu round trips (ns):\n",
	       (unsigned long long)round_trips);
	printf("                                       mean     median        p99\n");
	printf("  spdkrt_thread_send_msg         %10.0f %10.0f %10.0f\n", ls.mean_ns, ls.median_ns,
	       ls.p99_ns);
	printf("  mutex+condvar queue            %10.0f %10.0f %10.0f\n", lb.mean_ns, lb.median_ns,
	       lb.p99_ns);
	printf("  ratio (baseline / spdkrt)      %9.1fx %9.1fx %9.1fx\n", lb.mean_ns / ls.mean_ns,
	       lb.median_ns / ls.median_ns, lb.p99_ns / ls.p99_ns);

	for (int r = 0; r < REPEATS; r++) {
		ri[r] = idle_poll_ns(10000000, false);
		rn[r] = idle_poll_ns(10000000, true);
	}
	idle = median(ri);
	idle_now = median(rn);
	printf("idle spdkrt_thread_poll (no message, no poller):\n");
	printf("  now = 0 (reads the clock)     %12.1f ns\n", idle);
	printf("  now given by the caller       %12.1f ns\n", idle_now);
	free(samples);
	return 0;
}
