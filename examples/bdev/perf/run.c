/* SPDX-License-Identifier: BSD-3-Clause */
/* bdevperf: the app thread: setup, timing, results, cleanup. */
#include "bdevperf.h"

/* Run state, owned by the app thread. */
enum phase {
	PHASE_SETUP,
	PHASE_RUN,
	PHASE_STOP,
	PHASE_CLEANUP
};
static enum phase g_phase;
static bool g_stop_pending;
static bool g_ran;
static int g_rc;
struct spdkrt_thread *g_app_thread;
static struct job **g_jobs;
static uint32_t g_num_jobs;
static uint32_t g_num_ready;
static uint32_t g_num_finished;
static char *g_bdev_names[MAX_BDEVS]; /* bdevs we created, destroyed at the end */
static uint32_t g_num_created;
static uint32_t g_next_destroy;
static struct spdkrt_poller *g_timer;
static uint64_t g_hz;
static uint64_t g_end_ticks;
static uint64_t g_stats_ticks;
static uint64_t g_next_stats;
static uint64_t g_prev_stats;
static uint64_t g_run_start;

void post(struct spdkrt_thread *thread, spdkrt_msg_fn fn, void *ctx)
{
	int rc = spdkrt_thread_send_msg(thread, fn, ctx);

	/* The rings hold 16384 messages and we send a handful: a failure is a bug. */
	if (rc != 0) {
		fprintf(stderr, "bdevperf: spdkrt_thread_send_msg: %s\n", spdkrt_strerror(rc));
		abort();
	}
}

static double job_runtime_s(const struct job *j)
{
	return j->end_ticks > j->start_ticks ? (double)(j->end_ticks - j->start_ticks) / g_hz : 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_results(void)
{
	double total_iops = 0, total_mibps = 0, total_fails = 0, total_qd = 0;
	uint64_t total_errors = 0;

	if (!g_json) {
		printf("\n%-20s %4s %10s %14s %10s %9s %13s\n", "Job", "Core", "Runtime(s)", "IOPS",
		       "MiB/s", "Fail/s", "Avg lat(us)");
	} else {
		printf("{\"workload\":\"%s\",\"queue_depth\":%u,\"io_size\":%" PRIu64
		       ",\"time_s\":%" PRIu64 ",\"jobs\":[",
		       g_workloads[g_workload].name, g_queue_depth, g_io_size, g_time_s);
	}
	for (uint32_t i = 0; i < g_num_jobs; i++) {
		const struct job *j = g_jobs[i];
		double rt = job_runtime_s(j);
		double iops = rt > 0 ? (double)j->completed_at_stop / rt : 0;
		double mibps = iops * (double)j->io_size / (1024.0 * 1024.0);
		double fails = rt > 0 ? (double)j->errors / rt : 0;
		/* Little's law: time in the system = number in the system / throughput. */
		double lat = iops > 0 ? (double)j->queue_depth * 1e6 / iops : 0;

		total_iops += iops;
		total_mibps += mibps;
		total_fails += fails;
		total_errors += j->errors;
		total_qd += j->queue_depth;
		if (!g_json) {
			printf("%-20s %4u %10.2f %14.2f %10.2f %9.2f %13.2f\n", j->bdev_name,
			       j->core, rt, iops, mibps, fails, lat);
			continue;
		}
		printf("%s{\"bdev\":", i > 0 ? "," : "");
		json_string(j->bdev_name);
		printf(",\"core\":%u,\"runtime_s\":%.6f,\"io_completed\":%" PRIu64
		       ",\"iops\":%.2f,\"mibps\":%.2f,\"avg_lat_us\":%.3f,\"errors\":%" PRIu64,
		       j->core, rt, j->completed_at_stop, iops, mibps, lat, j->errors);
		if (j->workload == WL_RESET)
			printf(",\"resets\":%" PRIu64, j->resets);
		putchar('}');
	}
	if (!g_json) {
		for (int i = 0; i < 86; i++)
			putchar('=');
		putchar('\n');
		printf("%-20s %4s %10s %14.2f %10.2f %9.2f %13.2f\n", "Total", "", "", total_iops,
		       total_mibps, total_fails, total_iops > 0 ? total_qd * 1e6 / total_iops : 0);
	} else {
		printf("],\"total\":{\"iops\":%.2f,\"mibps\":%.2f,\"avg_lat_us\":%.3f,"
		       "\"errors\":%" PRIu64 "}}\n",
		       total_iops, total_mibps, total_iops > 0 ? total_qd * 1e6 / total_iops : 0,
		       total_errors);
	}
	fflush(stdout);
}

static void free_jobs(void)
{
	for (uint32_t i = 0; i < g_num_jobs; i++) {
		free(g_jobs[i]->tasks);
		free(g_jobs[i]);
	}
	free(g_jobs);
	g_jobs = NULL;
	g_num_jobs = 0;
}

static void destroy_next_bdev(void *ctx, int status);

static void finish(void)
{
	g_phase = PHASE_CLEANUP;
	g_next_destroy = 0;
	destroy_next_bdev(NULL, 0);
}

/*
 * Destroys the bdevs created by -b one after the other, last created first (a virtual bdev
 * goes before the base it claims), then stops the app.
 */
static void destroy_next_bdev(void *ctx, int status)
{
	(void)ctx;
	if (status != 0)
		fprintf(stderr, "bdevperf: destroying bdev %s: %s\n",
			g_bdev_names[g_num_created - g_next_destroy], spdkrt_strerror(status));
	while (g_next_destroy < g_num_created) {
		const char *name = g_bdev_names[g_num_created - 1 - g_next_destroy++];
		int rc = spdkrt_bdev_destroy(name, destroy_next_bdev, NULL);

		if (rc == 0)
			return;
		fprintf(stderr, "bdevperf: cannot destroy bdev %s: %s\n", name,
			spdkrt_strerror(rc));
	}
	for (uint32_t i = 0; i < g_num_created; i++)
		free(g_bdev_names[i]);
	g_num_created = 0;
	free_jobs();
	spdkrt_app_stop(g_rc);
}

static void begin_stop(void)
{
	g_phase = PHASE_STOP;
	spdkrt_poller_unregister(&g_timer);
	for (uint32_t i = 0; i < g_num_jobs; i++)
		post(g_jobs[i]->thread, job_stop, g_jobs[i]);
}

void job_finished(void *ctx)
{
	(void)ctx;
	if (++g_num_finished < g_num_jobs)
		return;
	if (g_ran)
		print_results();
	finish();
}

/* From a job's fatal error (ctx: the exit code) or SIGINT/SIGTERM (ctx: 0). */
void request_stop(void *ctx)
{
	int rc = (int)(intptr_t)ctx;

	if (rc != 0)
		g_rc = rc;
	if (g_phase == PHASE_SETUP)
		g_stop_pending = true;
	else if (g_phase == PHASE_RUN)
		begin_stop();
}

void on_shutdown(void *ctx)
{
	(void)ctx;
	if (!g_json)
		fprintf(stderr, "bdevperf: interrupted; stopping\n");
	request_stop(NULL);
}

static uint64_t total_completed(void)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < g_num_jobs; i++)
		n += atomic_load_explicit(&g_jobs[i]->io_completed, memory_order_relaxed);
	return n;
}

static int timer_poll(void *ctx)
{
	uint64_t now = spdkrt_get_ticks();

	(void)ctx;
	if (g_stats_ticks != 0 && now >= g_next_stats) {
		double dt = (double)(now - g_prev_stats) / g_hz;
		uint64_t n = total_completed();
		uint64_t delta = 0;
		double iops;

		for (uint32_t i = 0; i < g_num_jobs; i++) {
			uint64_t c = atomic_load_explicit(&g_jobs[i]->io_completed,
							  memory_order_relaxed);

			delta += c - g_jobs[i]->prev_completed;
			g_jobs[i]->prev_completed = c;
		}
		iops = dt > 0 ? (double)delta / dt : 0;
		/* Interim lines go to stderr with --json so that stdout stays one object. */
		fprintf(g_json ? stderr : stdout,
			"[%7.2f s] Total: %14.2f IOPS %10.2f MiB/s (%" PRIu64 " I/Os)\n",
			(double)(now - g_run_start) / g_hz, iops,
			iops * (double)g_io_size / (1024.0 * 1024.0), n);
		fflush(g_json ? stderr : stdout);
		g_prev_stats = now;
		g_next_stats += g_stats_ticks;
	}
	if (now >= g_end_ticks) {
		begin_stop();
		return SPDKRT_POLLER_BUSY;
	}
	return SPDKRT_POLLER_IDLE;
}

void job_ready(void *ctx)
{
	struct job *j = ctx;
	int rc;

	if (j->setup_rc != 0)
		g_rc = 1;
	if (++g_num_ready < g_num_jobs)
		return;
	if (g_rc != 0 || g_stop_pending) {
		/* Nothing ran: stop every job (each answers finished) without results. */
		g_phase = PHASE_RUN;
		begin_stop();
		return;
	}
	g_hz = spdkrt_get_ticks_hz();
	g_run_start = spdkrt_get_ticks();
	g_end_ticks = g_run_start + g_time_s * g_hz;
	g_stats_ticks = g_stats_period_s * g_hz;
	g_next_stats = g_run_start + g_stats_ticks;
	g_prev_stats = g_run_start;
	rc = spdkrt_poller_register(timer_poll, NULL, TIMER_PERIOD_US, &g_timer);
	if (rc != 0) {
		fprintf(stderr, "bdevperf: cannot register the timer: %s\n", spdkrt_strerror(rc));
		g_rc = 1;
		g_phase = PHASE_RUN;
		begin_stop();
		return;
	}
	if (!g_json)
		printf("Running %s for %" PRIu64 " s: %u job(s), queue depth %u, I/O size %" PRIu64
		       " bytes\n",
		       g_workloads[g_workload].name, g_time_s, g_num_jobs, g_queue_depth,
		       g_io_size);
	fflush(stdout);
	g_ran = true;
	g_phase = PHASE_RUN;
	for (uint32_t i = 0; i < g_num_jobs; i++)
		post(g_jobs[i]->thread, job_go, g_jobs[i]);
}

static bool workload_supported(struct spdkrt_bdev *bdev)
{
	switch (g_workload) {
	case WL_READ:
	case WL_RANDREAD:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_READ);
	case WL_WRITE:
	case WL_RANDWRITE:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_WRITE);
	case WL_RW:
	case WL_RANDRW:
	case WL_VERIFY:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_READ) &&
		       spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_WRITE);
	case WL_UNMAP:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_UNMAP);
	case WL_WRITE_ZEROES:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_WRITE_ZEROES);
	case WL_FLUSH:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_FLUSH);
	case WL_RESET:
		return spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_READ) &&
		       spdkrt_bdev_io_type_supported(bdev, SPDKRT_BDEV_IO_RESET);
	}
	return false;
}

/* Checks that the workload fits a bdev shared by `jobs` jobs. @return 0 or -EINVAL (printed). */
static int check_bdev(struct spdkrt_bdev *bdev, uint32_t jobs)
{
	const char *name = spdkrt_bdev_get_name(bdev);
	uint32_t bs = spdkrt_bdev_get_block_size(bdev);
	uint32_t wu = spdkrt_bdev_get_write_unit_size(bdev);
	uint64_t slots;

	if (bs == 0 || g_io_size % bs != 0) {
		fprintf(stderr,
			"bdevperf: -o %" PRIu64 " is not a multiple of bdev %s's block "
			"size %u\n",
			g_io_size, name, bs);
		return -EINVAL;
	}
	if (g_workload == WL_VERIFY && bs % sizeof(uint64_t) != 0) {
		fprintf(stderr, "bdevperf: verify needs a block size that is a multiple of 8\n");
		return -EINVAL;
	}
	if (!workload_supported(bdev)) {
		fprintf(stderr, "bdevperf: bdev %s (%s) does not support the %s workload\n", name,
			spdkrt_bdev_get_module_name(bdev), g_workloads[g_workload].name);
		return -EINVAL;
	}
	if (g_workloads[g_workload].writes && wu > 1 && (g_io_size / bs) % wu != 0) {
		fprintf(stderr,
			"bdevperf: -o %" PRIu64 " is not a multiple of bdev %s's write "
			"unit of %u blocks\n",
			g_io_size, name, wu);
		return -EINVAL;
	}
	slots = spdkrt_bdev_get_num_blocks(bdev) / (g_io_size / bs) / jobs;
	if (slots == 0) {
		fprintf(stderr,
			"bdevperf: bdev %s is too small for %u job(s) of %" PRIu64 "-byte I/O\n",
			name, jobs, g_io_size);
		return -EINVAL;
	}
	if (g_workload == WL_VERIFY && slots < g_queue_depth) {
		fprintf(stderr,
			"bdevperf: verify needs at least -q x -o bytes of bdev per job: bdev %s "
			"gives each of its %u job(s) %" PRIu64 " I/O slots, -q is %u\n",
			name, jobs, slots, g_queue_depth);
		return -EINVAL;
	}
	return 0;
}

static int create_job(struct spdkrt_bdev *bdev, uint32_t core, uint32_t k, uint32_t jobs_per_bdev)
{
	struct job *j;
	char name[96];
	uint64_t io_blocks, slots, seed;
	int rc;

	/* Own cache lines: the timer reads io_completed from another core. */
	j = aligned_alloc(64, (sizeof(*j) + 63) & ~(size_t)63);
	if (j == NULL)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	j->tasks = calloc(g_queue_depth, sizeof(*j->tasks));
	if (j->tasks == NULL) {
		free(j);
		return -ENOMEM;
	}
	j->bdev = bdev;
	j->bdev_name = spdkrt_bdev_get_name(bdev);
	j->core = core;
	j->index = g_num_jobs;
	j->workload = g_workload;
	j->random = g_workloads[g_workload].random;
	j->queue_depth = g_queue_depth;
	j->io_size = g_io_size;
	j->block_size = spdkrt_bdev_get_block_size(bdev);
	io_blocks = g_io_size / j->block_size;
	/* Jobs sharing a bdev get disjoint ranges, so verify jobs cannot overwrite each other. */
	slots = spdkrt_bdev_get_num_blocks(bdev) / io_blocks / jobs_per_bdev;
	j->io_blocks = io_blocks;
	j->num_slots = slots;
	j->seq_limit = slots * io_blocks;
	j->base_blocks = (uint64_t)k * slots * io_blocks;
	j->corrupt_every = g_workload == WL_VERIFY ? g_corrupt_every : 0;
	if (g_workload == WL_RW || g_workload == WL_RANDRW)
		j->read_threshold = (uint32_t)(((uint64_t)g_rwmix << 32) / 100);
	seed = spdkrt_get_ticks() ^ ((uint64_t)(g_num_jobs + 1) * 0x9e3779b97f4a7c15ull);
	j->rng = seed != 0 ? seed : 1;
	g_jobs[g_num_jobs++] = j;

	snprintf(name, sizeof(name), "bdevperf_%s_c%u", j->bdev_name, core);
	rc = spdkrt_app_thread_create(name, core, &j->thread);
	if (rc != 0) {
		fprintf(stderr, "bdevperf: cannot create a thread on core %u: %s\n", core,
			spdkrt_strerror(rc));
		g_num_jobs--;
		free(j->tasks);
		free(j);
		return rc;
	}
	return 0;
}

void start(void *ctx)
{
	struct spdkrt_bdev *bdevs[MAX_BDEVS];
	uint32_t num_cores = spdkrt_env_get_core_count();
	int rc;

	(void)ctx;
	g_app_thread = spdkrt_get_thread();
	for (uint32_t i = 0; i < g_num_bdev_specs; i++) {
		/* A name (no ':') is a bdev that exists already, e.g. another namespace of an
		 * nvme spec given before: run on it, do not destroy it. */
		if (strchr(g_bdev_specs[i], ':') == NULL) {
			bdevs[i] = spdkrt_bdev_get_by_name(g_bdev_specs[i]);
			if (bdevs[i] == NULL) {
				fprintf(stderr, "bdevperf: no bdev named '%s'\n", g_bdev_specs[i]);
				goto fail;
			}
			if (check_bdev(bdevs[i], num_cores) != 0)
				goto fail;
			continue;
		}
		rc = spdkrt_bdev_create(g_bdev_specs[i], &bdevs[i]);
		if (rc != 0) {
			char shown[512];

			fprintf(stderr, "bdevperf: cannot create a bdev from '%s': %s%s\n",
				spdkrt_spec_redact(g_bdev_specs[i], shown, sizeof(shown)),
				spdkrt_strerror(rc), rc == -ENOMEM ? " (raise -s)" : "");
			goto fail;
		}
		g_bdev_names[g_num_created] = strdup(spdkrt_bdev_get_name(bdevs[i]));
		if (g_bdev_names[g_num_created] == NULL)
			goto fail;
		g_num_created++;
		if (check_bdev(bdevs[i], num_cores) != 0)
			goto fail;
	}
	g_jobs = calloc((size_t)num_cores * g_num_bdev_specs, sizeof(*g_jobs));
	if (g_jobs == NULL)
		goto fail;
	for (uint32_t b = 0; b < g_num_bdev_specs; b++) {
		uint32_t k = 0;

		/* A base claimed by a virtual bdev given later (-b crypto:base=...) is only
		 * reached through that bdev, as in SPDK's bdevperf. */
		if (spdkrt_bdev_is_claimed(bdevs[b])) {
			/* With --json, stdout carries the JSON object only. */
			fprintf(g_json ? stderr : stdout,
				"bdevperf: %s is claimed by another bdev; no job runs on it\n",
				spdkrt_bdev_get_name(bdevs[b]));
			continue;
		}
		for (uint32_t core = spdkrt_env_get_first_core(); core != SPDKRT_ENV_CORE_INVALID;
		     core = spdkrt_env_get_next_core(core)) {
			if (create_job(bdevs[b], core, k++, num_cores) != 0)
				goto fail_jobs;
		}
	}
	g_phase = PHASE_SETUP;
	for (uint32_t i = 0; i < g_num_jobs; i++)
		post(g_jobs[i]->thread, job_setup, g_jobs[i]);
	return;

fail_jobs:
	if (g_num_jobs > 0) {
		/* The threads exist: let them set up and stop through the normal path. */
		g_rc = 1;
		g_phase = PHASE_SETUP;
		for (uint32_t i = 0; i < g_num_jobs; i++)
			post(g_jobs[i]->thread, job_setup, g_jobs[i]);
		return;
	}
fail:
	g_rc = 1;
	finish();
}
