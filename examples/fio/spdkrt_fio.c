/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt_fio.so: an external fio ioengine that drives spdkrt bdevs, so that a stock fio runs its
 * own workloads, statistics and data verification on them:
 *
 *     fio --thread=1 --ioengine=external:spdkrt_fio.so --spdkrt_no_huge=1 \
 *         --spdkrt_bdev=malloc:name=Malloc0,size_mb=64 --filename=Malloc0 \
 *         --name=job --rw=randrw --bs=4k --iodepth=32 --size=32M --verify=crc32c
 *
 * Engine options: spdkrt_bdev=SPEC (repeatable, or several specs separated by ';'),
 * spdkrt_mem_mb=N, spdkrt_no_huge=0|1, spdkrt_log_level=NAME, and spdkrt_flip_byte=OFFSET (a
 * test aid: flips one byte of each of the job's bdevs through spdkrt before the job's I/O).
 * fio's filename names the bdev; filename=A:B gives a job several bdevs.
 *
 * Model:
 * - Process-wide (behind g.lock): the first job that reaches setup() or init() initialises the
 *   spdkrt environment (DPDK's EAL: once per process, so thread=1 is required and checked) and
 *   creates, once each, the bdevs named by the spdkrt_bdev options of every job of this fio
 *   process. The environment is released after the last job's cleanup(); it cannot be
 *   initialised again in the same process, which is fine for fio (one run per process).
 * - Per fio job thread: one spdkrt thread, created in init() and made current on the job's OS
 *   thread; one descriptor and one I/O channel per file (bdev), made in open_file(). queue()
 *   submits and returns FIO_Q_QUEUED; completions are delivered while getevents() polls the
 *   job's spdkrt thread (never from inside queue(): spdkrt defers them), which stops as soon as
 *   fio's minimum is reached or its timeout has passed.
 * - fio's I/O buffers come from spdkrt_dma_malloc() (iomem_alloc), so they are DMA-safe.
 *
 * Why spdkrt_flip_byte: a malloc bdev lives only inside the fio process that made it, so the
 * test that fio's verify catches corrupted data is one fio run of three stonewalled jobs on the
 * same bdev: write+verify, then a job with spdkrt_flip_byte (the engine reads the block holding
 * the byte, inverts the byte and writes the block back, all through spdkrt), then read+verify,
 * which must fail. The option is harmless otherwise and is named as a test aid in fio's help.
 *
 * Licence: this file is BSD-3-Clause like the rest of spdkrt, but it is compiled against fio's
 * headers, which are GPL-2.0 (and includes their inline functions); the resulting module is a
 * separate loadable plugin of fio, and a binary of it is distributed under the terms of fio's
 * GPL-2.0. libspdkrt.so.1 itself does not depend on fio in any way.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

/* fio's own headers, from the source tree of the installed fio (./configure --with-fio=DIR). */
#include "fio.h"
#include "optgroup.h"

#include <spdkrt.h>

#include "../common/tool_env.h"

#define ENGINE "spdkrt_fio"

/*
 * Notices go to stderr like errors: fio's log_info() writes to stdout, which carries fio's
 * results (--output-format=json must stay parseable).
 */
#define log_notice(...) log_err(__VA_ARGS__)
#define SPEC_SEPARATOR ';'

/* Engine options (td->eo). fio stores the job's thread_data in the first field. */
struct engine_opts {
	void *td;
	char *bdev_specs; /* ';'-separated, accumulated by opt_bdev(); never freed by fio */
	unsigned int mem_mb;
	unsigned int no_huge;
	char *log_level;
	char *flip_byte;
};

/* One fio job (thread_data) on its own OS thread. */
struct job {
	struct thread_data *td;
	struct spdkrt_thread *thread;
	/* Completed I/O not yet handed to fio, a ring of cap entries. */
	struct io_u **done;
	unsigned int done_head;
	unsigned int done_count;
	/* What the last getevents() returned, for event(). */
	struct io_u **events;
	unsigned int cap; /* number of io_u (fio's iodepth) */
	unsigned int inflight;
	bool *flipped; /* per file index: spdkrt_flip_byte done */
	bool reported; /* a rejected request was described once */
};

/* One open file (bdev) of a job. */
struct file_ctx {
	struct job *job;
	struct spdkrt_bdev *bdev;
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	uint64_t num_blocks;
	uint32_t block_size;
	uint32_t block_shift;
	size_t buf_align;
};

/* Per io_u: io_u->engine_data. */
struct request {
	struct iovec iov;
	struct io_u *io_u;
	struct job *job;
};

enum process_state {
	PROC_NONE,     /* nothing initialised yet */
	PROC_READY,    /* environment and bdevs are up */
	PROC_FAILED,   /* initialisation failed; every job fails */
	PROC_FINISHED, /* released after the last job */
};

/* A job of this fio process that uses the engine, and whether it let go of the environment. */
struct member {
	struct thread_data *td;
	bool released;
};

static struct {
	pthread_mutex_t lock;
	enum process_state state;
	struct member *members;
	unsigned int nr_members;
	unsigned int active; /* members not yet released */
	char **created;      /* names of the bdevs the engine created */
	unsigned int nr_created;
	struct spdkrt_thread *mgmt; /* creates and destroys the bdevs */
	char **spec_strings;        /* every spdkrt_bdev list opt_bdev() made */
	unsigned int nr_spec_strings;
} g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

extern struct ioengine_ops ioengine;

static inline struct engine_opts *job_opts(struct thread_data *td)
{
	return td->eo;
}

/* ---- options ------------------------------------------------------------------------------ */

/* spdkrt_bdev may be given several times: each value is appended to the job's list. */
static int opt_bdev(void *data, const char *str)
{
	struct engine_opts *o = data;
	size_t old_len, len;
	char *joined, **list;

	if (str == NULL || *str == '\0') {
		log_err(ENGINE ": spdkrt_bdev needs a bdev spec, e.g. "
			       "spdkrt_bdev=malloc:name=Malloc0,size_mb=64\n");
		return 1;
	}
	old_len = o->bdev_specs != NULL ? strlen(o->bdev_specs) : 0;
	len = old_len + 1 + strlen(str) + 1;
	joined = malloc(len);
	pthread_mutex_lock(&g.lock);
	list = realloc(g.spec_strings, (g.nr_spec_strings + 1) * sizeof(*list));
	if (list != NULL) {
		g.spec_strings = list;
		if (joined != NULL)
			g.spec_strings[g.nr_spec_strings++] = joined;
	}
	pthread_mutex_unlock(&g.lock);
	if (joined == NULL || list == NULL) {
		free(joined);
		return 1;
	}
	if (old_len > 0)
		snprintf(joined, len, "%s%c%s", o->bdev_specs, SPEC_SEPARATOR, str);
	else
		snprintf(joined, len, "%s", str);
	/*
	 * The old string is not freed here: fio copies engine options from [global] and between
	 * numjobs clones by value, so another job may still point at it. They are all freed when
	 * the engine releases the environment after the last job.
	 */
	o->bdev_specs = joined;
	return 0;
}

static struct fio_option options[] = {
	{
		.name = "spdkrt_bdev",
		.lname = "spdkrt bdev spec",
		.type = FIO_OPT_STR,
		.cb = opt_bdev,
		.help = "Create a bdev from a spec, e.g. malloc:name=Malloc0,size_mb=64 (repeatable, "
			"or several specs separated by ';'); once per fio process",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "spdkrt_mem_mb",
		.lname = "spdkrt memory",
		.type = FIO_OPT_INT,
		.off1 = offsetof(struct engine_opts, mem_mb),
		.def = "0",
		.help = "Memory for the spdkrt environment in MiB (0: its default)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "spdkrt_no_huge",
		.lname = "spdkrt without hugepages",
		.type = FIO_OPT_BOOL,
		.off1 = offsetof(struct engine_opts, no_huge),
		.def = "0",
		.help = "Run the spdkrt environment without hugepages (no real devices)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "spdkrt_log_level",
		.lname = "spdkrt log level",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct engine_opts, log_level),
		.help = "spdkrt log level: error, warn, notice, info or debug",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "spdkrt_flip_byte",
		.lname = "spdkrt flip a byte (tests)",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct engine_opts, flip_byte),
		.help = "Test aid: before the job's I/O, invert the byte at this byte offset of each "
			"of the job's bdevs through spdkrt",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = NULL,
	},
};

/* ---- process-wide state ------------------------------------------------------------------- */

/* Polls the current spdkrt thread until *flag becomes true (or about 10 s pass). */
static bool poll_until(struct spdkrt_thread *thread, const bool *flag)
{
	uint64_t hz = spdkrt_get_ticks_hz();
	uint64_t deadline = spdkrt_get_ticks() + 10 * hz;

	while (!*flag) {
		spdkrt_thread_poll(thread, 0, 0);
		if (spdkrt_get_ticks() > deadline)
			return false;
	}
	return true;
}

/* Exits, drains and destroys an spdkrt thread polled by the calling OS thread. */
static void thread_finish(struct spdkrt_thread *thread)
{
	uint64_t deadline = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();

	spdkrt_thread_exit(thread);
	while (!spdkrt_thread_is_exited(thread)) {
		spdkrt_thread_poll(thread, 0, 0);
		if (spdkrt_get_ticks() > deadline) {
			log_err(ENGINE ": spdkrt thread '%s' did not exit; leaving it\n",
				spdkrt_thread_get_name(thread));
			return;
		}
	}
	spdkrt_thread_destroy(thread);
}

static void destroy_done(void *ctx, int status)
{
	(void)status;
	*(bool *)ctx = true;
}

/* At log level info: what each bdev the engine created did, as the library counted it. */
static void report_stats_locked(void)
{
	static const char *const names[] = {
		[SPDKRT_BDEV_IO_READ] = "read",   [SPDKRT_BDEV_IO_WRITE] = "write",
		[SPDKRT_BDEV_IO_UNMAP] = "unmap", [SPDKRT_BDEV_IO_FLUSH] = "flush",
		[SPDKRT_BDEV_IO_RESET] = "reset", [SPDKRT_BDEV_IO_WRITE_ZEROES] = "write_zeroes",
	};
	unsigned int i, t;

	if (spdkrt_log_get_level() < SPDKRT_LOG_INFO)
		return;
	for (i = 0; i < g.nr_created; i++) {
		struct spdkrt_bdev *bdev = spdkrt_bdev_get_by_name(g.created[i]);
		struct spdkrt_bdev_stats st;
		char line[512];
		size_t len = 0;

		if (bdev == NULL || spdkrt_bdev_get_stats(bdev, &st, sizeof(st)) != 0)
			continue;
		for (t = 0; t < sizeof(names) / sizeof(names[0]) && len < sizeof(line); t++)
			len += (size_t)snprintf(line + len, sizeof(line) - len, "%s %" PRIu64 ", ",
						names[t], st.ops[t]);
		log_notice(ENGINE ": bdev '%s' I/O: %serrors %" PRIu64 "\n", g.created[i], line,
			   st.errors);
	}
}

/* Destroys the bdevs the engine created, in reverse order, then releases the environment. */
static void process_teardown_locked(void)
{
	struct spdkrt_thread *prev = spdkrt_get_thread();
	unsigned int i;

	report_stats_locked();
	if (g.mgmt != NULL) {
		spdkrt_set_thread(g.mgmt);
		for (i = g.nr_created; i-- > 0;) {
			bool done = false;
			int rc = spdkrt_bdev_destroy(g.created[i], destroy_done, &done);

			if (rc == 0 && !poll_until(g.mgmt, &done))
				log_err(ENGINE ": bdev '%s' was not destroyed in time\n",
					g.created[i]);
			else if (rc != 0)
				log_err(ENGINE ": cannot destroy bdev '%s': %s\n", g.created[i],
					spdkrt_strerror(rc));
		}
		thread_finish(g.mgmt);
		g.mgmt = NULL;
		spdkrt_set_thread(prev);
	}
	for (i = 0; i < g.nr_created; i++)
		free(g.created[i]);
	free(g.created);
	g.created = NULL;
	g.nr_created = 0;
	/*
	 * The spdkrt_bdev lists are read only by process_init_locked(): free them (fio never does,
	 * they are ours). Jobs that finished earlier no longer even have their options (fio frees
	 * td->eo when a job closes its engine): never touch another job's td->eo here.
	 */
	for (i = 0; i < g.nr_spec_strings; i++)
		free(g.spec_strings[i]);
	free(g.spec_strings);
	g.spec_strings = NULL;
	g.nr_spec_strings = 0;
	if (spdkrt_env_is_initialized())
		spdkrt_env_fini();
}

/* Creates the bdev of one spec, unless an identical spec was already created. */
static int create_one_bdev(const char *spec, char ***seen, unsigned int *nr_seen)
{
	struct spdkrt_bdev *bdev = NULL;
	char **grown, *name;
	unsigned int i;
	int rc;

	for (i = 0; i < *nr_seen; i++) {
		if (strcmp((*seen)[i], spec) == 0)
			return 0;
	}
	grown = realloc(*seen, (*nr_seen + 1) * sizeof(**seen));
	if (grown == NULL)
		return -ENOMEM;
	*seen = grown;
	(*seen)[*nr_seen] = strdup(spec);
	if ((*seen)[*nr_seen] == NULL)
		return -ENOMEM;
	(*nr_seen)++;

	rc = spdkrt_bdev_create(spec, &bdev);
	if (rc != 0) {
		char shown[512];

		log_err(ENGINE ": spdkrt_bdev=%s: cannot create the bdev: %s%s\n",
			spdkrt_spec_redact(spec, shown, sizeof(shown)), spdkrt_strerror(rc),
			rc == -EEXIST ? " (another spec already made a bdev of that name)" :
			rc == -ENOMEM ? " (give the environment more memory: spdkrt_mem_mb=)" :
					"");
		return rc;
	}
	name = strdup(spdkrt_bdev_get_name(bdev));
	grown = realloc(g.created, (g.nr_created + 1) * sizeof(*g.created));
	if (name == NULL || grown == NULL) {
		free(name);
		return -ENOMEM;
	}
	g.created = grown;
	g.created[g.nr_created++] = name;
	return 0;
}

/* Creates every bdev of every job's spdkrt_bdev options, each distinct spec once. */
static int create_bdevs_locked(void)
{
	char **seen = NULL;
	unsigned int nr_seen = 0, i;
	int rc = 0;

	for (i = 0; i < g.nr_members && rc == 0; i++) {
		struct engine_opts *o = job_opts(g.members[i].td);
		char *list, *spec, *save = NULL;
		const char sep[2] = { SPEC_SEPARATOR, '\0' };

		if (o == NULL || o->bdev_specs == NULL)
			continue;
		list = strdup(o->bdev_specs);
		if (list == NULL)
			return -ENOMEM;
		for (spec = strtok_r(list, sep, &save); spec != NULL && rc == 0;
		     spec = strtok_r(NULL, sep, &save)) {
			char *end;

			while (*spec == ' ' || *spec == '\t')
				spec++;
			end = spec + strlen(spec);
			while (end > spec && (end[-1] == ' ' || end[-1] == '\t'))
				*--end = '\0';
			if (*spec != '\0')
				rc = create_one_bdev(spec, &seen, &nr_seen);
		}
		free(list);
	}
	for (i = 0; i < nr_seen; i++)
		free(seen[i]);
	free(seen);
	return rc;
}

/*
 * First use in this process: find every job that uses this engine (their options and their
 * number: the environment lives until the last of them has cleaned up), initialise the
 * environment and create the bdevs.
 */
static int process_init_locked(void)
{
	struct spdkrt_env_opts env_opts;
	struct spdkrt_thread *prev;
	const char *log_level = NULL;
	unsigned int mem_mb = 0, no_huge = 0;
	struct thread_data *td;
	struct tool_env env;
	size_t bdev_mb = 0;
	int i, rc;

	for_each_td(td, i)
	{
		struct member *grown;

		if (td->io_ops != &ioengine || td->eo == NULL)
			continue;
		grown = realloc(g.members, (g.nr_members + 1) * sizeof(*g.members));
		if (grown == NULL)
			return -ENOMEM;
		g.members = grown;
		g.members[g.nr_members].td = td;
		g.members[g.nr_members].released = false;
		g.nr_members++;
		if (job_opts(td)->mem_mb > mem_mb)
			mem_mb = job_opts(td)->mem_mb;
		no_huge |= job_opts(td)->no_huge;
		if (log_level == NULL)
			log_level = job_opts(td)->log_level;
	}
	g.active = g.nr_members;

	if (log_level != NULL) {
		enum spdkrt_log_level level;

		if (spdkrt_log_level_from_name(log_level, &level) != 0) {
			log_err(ENGINE ": spdkrt_log_level=%s: unknown level (error, warn, notice, "
				       "info, debug)\n",
				log_level);
			return -EINVAL;
		}
		spdkrt_log_set_level(level);
	}

	/* Without hugepages and spdkrt_mem_mb, the memory follows the bdevs the jobs create. */
	tool_env_init(&env);
	env.no_huge = no_huge != 0;
	env.mem_size_mb = mem_mb;
	for (unsigned int m = 0; m < g.nr_members; m++)
		bdev_mb += tool_env_spec_list_mb(job_opts(g.members[m].td)->bdev_specs,
						 SPEC_SEPARATOR);

	spdkrt_env_opts_init(&env_opts, sizeof(env_opts));
	env_opts.name = "spdkrt_fio";
	env_opts.mem_size_mb = tool_env_mem_for(&env, bdev_mb);
	env_opts.no_huge = no_huge != 0;
	rc = spdkrt_env_init(&env_opts);
	if (rc != 0) {
		log_err(ENGINE ": cannot initialise the spdkrt environment: %s%s\n",
			spdkrt_strerror(rc),
			rc == -ENOMEM && !no_huge ?
				" (reserve hugepages, e.g. echo 512 > /proc/sys/vm/nr_hugepages, or "
				"set spdkrt_no_huge=1)" :
				"");
		return rc;
	}

	rc = spdkrt_thread_create("spdkrt_fio", &g.mgmt);
	if (rc != 0) {
		log_err(ENGINE ": cannot create an spdkrt thread: %s\n", spdkrt_strerror(rc));
		return rc;
	}
	prev = spdkrt_get_thread();
	spdkrt_set_thread(g.mgmt);
	rc = create_bdevs_locked();
	spdkrt_set_thread(prev);
	return rc;
}

static struct member *find_member_locked(struct thread_data *td)
{
	unsigned int i;

	for (i = 0; i < g.nr_members; i++) {
		if (g.members[i].td == td)
			return &g.members[i];
	}
	return NULL;
}

/* Makes sure the environment and the bdevs exist for this job. @return 0 or 1 (fio's way). */
static int process_get(struct thread_data *td)
{
	int rc = 0;

	pthread_mutex_lock(&g.lock);
	if (g.state == PROC_NONE) {
		rc = process_init_locked();
		if (rc != 0) {
			process_teardown_locked();
			g.state = PROC_FAILED;
		} else {
			g.state = PROC_READY;
		}
	}
	switch (g.state) {
	case PROC_READY:
		if (find_member_locked(td) == NULL) {
			log_err(ENGINE ": job '%s' started after the engine was set up\n",
				td->o.name);
			rc = 1;
		}
		break;
	case PROC_FAILED:
		log_err(ENGINE ": job '%s': the spdkrt environment or its bdevs could not be set "
			       "up (see above)\n",
			td->o.name);
		rc = 1;
		break;
	case PROC_FINISHED:
		log_err(ENGINE ": job '%s': the spdkrt environment was already released and "
			       "cannot be initialised again in this process\n",
			td->o.name);
		rc = 1;
		break;
	case PROC_NONE:
		rc = 1;
		break;
	}
	pthread_mutex_unlock(&g.lock);
	return rc != 0;
}

/* This job is done with the environment; the last one releases it. */
static void process_release(struct thread_data *td)
{
	struct member *m;

	pthread_mutex_lock(&g.lock);
	m = find_member_locked(td);
	if (g.state == PROC_READY && m != NULL && !m->released) {
		m->released = true;
		if (--g.active == 0) {
			process_teardown_locked();
			g.state = PROC_FINISHED;
		}
	}
	pthread_mutex_unlock(&g.lock);
}

static bool check_thread_mode(struct thread_data *td)
{
	if (td->o.use_thread)
		return true;
	log_err(ENGINE
		": job '%s': the spdkrt engine needs thread=1 (--thread): the spdkrt "
		"environment (DPDK) is initialised once per process and cannot be shared with "
		"fio's forked job processes\n",
		td->o.name);
	return false;
}

/* ---- job lifetime --------------------------------------------------------------------------- */

/* Sizes of the files: called once per job, before init() when fio sets files up serially. */
static int spdkrt_fio_setup(struct thread_data *td)
{
	struct fio_file *f;
	unsigned int i;

	if (!check_thread_mode(td))
		return 1;
	if (process_get(td))
		goto fail;
	for_each_file(td, f, i)
	{
		struct spdkrt_bdev *bdev = spdkrt_bdev_get_by_name(f->file_name);

		if (bdev == NULL) {
			char known[256] = "";
			size_t len = 0;

			for (bdev = spdkrt_bdev_first(); bdev != NULL && len < sizeof(known);
			     bdev = spdkrt_bdev_next(bdev))
				len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s",
							len > 0 ? ", " : "",
							spdkrt_bdev_get_name(bdev));
			log_err(ENGINE ": job '%s': filename=%s: there is no spdkrt bdev of that "
				       "name (bdevs: %s); create it with spdkrt_bdev=, e.g. "
				       "spdkrt_bdev=malloc:name=%s,size_mb=64\n",
				td->o.name, f->file_name, known[0] != '\0' ? known : "none",
				f->file_name);
			td_verror(td, ENODEV, "spdkrt bdev lookup");
			goto fail;
		}
		f->real_file_size = (uint64_t)spdkrt_bdev_get_block_size(bdev) *
				    spdkrt_bdev_get_num_blocks(bdev);
		fio_file_set_size_known(f);
	}
	return 0;
fail:
	/*
	 * A job whose setup fails before init() never runs, so its cleanup() never comes: let go
	 * of the environment now. After init(), cleanup() does it.
	 */
	if (td->io_ops_data == NULL)
		process_release(td);
	return 1;
}

static int spdkrt_fio_init(struct thread_data *td)
{
	struct job *job;
	char name[64];
	int rc;

	if (!check_thread_mode(td))
		return 1;
	if (process_get(td))
		return 1;
	job = calloc(1, sizeof(*job));
	if (job == NULL)
		return 1;
	job->td = td;
	snprintf(name, sizeof(name), "fio:%s:%d", td->o.name, td->thread_number);
	rc = spdkrt_thread_create(name, &job->thread);
	if (rc != 0) {
		log_err(ENGINE ": job '%s': cannot create an spdkrt thread: %s\n", td->o.name,
			spdkrt_strerror(rc));
		free(job);
		return 1;
	}
	job->flipped = calloc(td->o.nr_files > 0 ? td->o.nr_files : 1, sizeof(*job->flipped));
	if (job->flipped == NULL) {
		spdkrt_thread_destroy(job->thread);
		free(job);
		return 1;
	}
	/* Calls that act on "the current thread" (bdev open, channels) now use this one. */
	spdkrt_set_thread(job->thread);
	td->io_ops_data = job;
	return 0;
}

static void spdkrt_fio_cleanup(struct thread_data *td)
{
	struct job *job = td->io_ops_data;

	if (job != NULL) {
		uint64_t deadline = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();

		spdkrt_set_thread(job->thread);
		/* fio reaps everything before cleaning up; drain what an error path left. */
		while (job->inflight > 0 && spdkrt_get_ticks() < deadline)
			spdkrt_thread_poll(job->thread, 0, 0);
		if (job->inflight > 0) {
			/* Their buffers and callbacks must stay valid: keep all, environment too. */
			log_err(ENGINE ": job '%s': %u I/O still in flight after 10 s; leaving "
				       "the job's spdkrt state and the environment in place\n",
				td->o.name, job->inflight);
			spdkrt_set_thread(NULL);
			td->io_ops_data = NULL;
			return;
		}
		thread_finish(job->thread);
		spdkrt_set_thread(NULL);
		free(job->done);
		free(job->events);
		free(job->flipped);
		free(job);
		td->io_ops_data = NULL;
	}
	process_release(td);
}

/* fio's I/O buffers: DMA-safe memory, so any bdev module can use them directly. */
static int spdkrt_fio_iomem_alloc(struct thread_data *td, size_t total)
{
	if (process_get(td))
		return 1;
	td->orig_buffer = spdkrt_dma_malloc(total, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (td->orig_buffer == NULL) {
		log_err(ENGINE ": job '%s': no %zu bytes of DMA memory for fio's buffers (raise "
			       "spdkrt_mem_mb)\n",
			td->o.name, total);
		return 1;
	}
	return 0;
}

static void spdkrt_fio_iomem_free(struct thread_data *td)
{
	spdkrt_dma_free(td->orig_buffer);
	td->orig_buffer = NULL;
}

static int spdkrt_fio_io_u_init(struct thread_data *td, struct io_u *io_u)
{
	struct job *job = td->io_ops_data;
	struct request *req;
	struct io_u **done, **events;

	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return 1;
	done = realloc(job->done, (job->cap + 1) * sizeof(*done));
	if (done != NULL)
		job->done = done;
	events = realloc(job->events, (job->cap + 1) * sizeof(*events));
	if (events != NULL)
		job->events = events;
	if (done == NULL || events == NULL) {
		free(req);
		return 1;
	}
	job->cap++;
	req->io_u = io_u;
	req->job = job;
	io_u->engine_data = req;
	return 0;
}

static void spdkrt_fio_io_u_free(struct thread_data *td, struct io_u *io_u)
{
	(void)td;
	free(io_u->engine_data);
	io_u->engine_data = NULL;
}

/* ---- files ---------------------------------------------------------------------------------- */

static void bdev_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)ctx;
	if (type == SPDKRT_BDEV_EVENT_REMOVE)
		log_err(ENGINE ": bdev '%s' is being removed\n", spdkrt_bdev_get_name(bdev));
}

static void sync_done(void *ctx, int status)
{
	int *result = ctx;

	*result = status;
}

/* Waits for one synchronous helper I/O: *result holds 1 until the callback sets it. */
static int wait_io(struct job *job, int *result)
{
	uint64_t deadline = spdkrt_get_ticks() + 10 * spdkrt_get_ticks_hz();

	while (*result == 1) {
		spdkrt_thread_poll(job->thread, 0, 0);
		if (spdkrt_get_ticks() > deadline)
			return -ETIMEDOUT;
	}
	return *result;
}

/* spdkrt_flip_byte: read the block holding the byte, invert the byte, write the block back. */
static int flip_byte(struct thread_data *td, struct fio_file *f, struct file_ctx *fc)
{
	const char *text = job_opts(td)->flip_byte;
	unsigned long long offset;
	uint64_t block;
	unsigned char *buf, before;
	char *end;
	int result, rc;

	errno = 0;
	offset = strtoull(text, &end, 0);
	if (errno != 0 || end == text || *end != '\0' ||
	    offset >= fc->num_blocks * (uint64_t)fc->block_size) {
		log_err(ENGINE ": spdkrt_flip_byte=%s: not a byte offset inside '%s'\n", text,
			f->file_name);
		return -EINVAL;
	}
	buf = spdkrt_dma_malloc(fc->block_size, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (buf == NULL)
		return -ENOMEM;
	block = offset >> fc->block_shift;
	result = 1;
	rc = spdkrt_bdev_read_blocks(fc->desc, fc->ch, buf, block, 1, sync_done, &result);
	if (rc == 0)
		rc = wait_io(fc->job, &result);
	if (rc == 0) {
		before = buf[offset & (fc->block_size - 1)];
		buf[offset & (fc->block_size - 1)] = (unsigned char)~before;
		result = 1;
		rc = spdkrt_bdev_write_blocks(fc->desc, fc->ch, buf, block, 1, sync_done, &result);
		if (rc == 0)
			rc = wait_io(fc->job, &result);
	}
	if (rc == 0)
		log_notice(ENGINE ": flipped the byte at offset %llu of '%s' (0x%02x -> 0x%02x)\n",
			   offset, f->file_name, before, (unsigned char)~before);
	else
		log_err(ENGINE ": spdkrt_flip_byte on '%s' failed: %s\n", f->file_name,
			spdkrt_strerror(rc));
	spdkrt_dma_free(buf);
	return rc;
}

static int spdkrt_fio_close_file(struct thread_data *td, struct fio_file *f)
{
	struct file_ctx *fc = f->engine_data;

	(void)td;
	if (fc == NULL)
		return 0;
	if (fc->ch != NULL)
		spdkrt_put_io_channel(fc->ch);
	spdkrt_bdev_close(fc->desc);
	free(fc);
	f->engine_data = NULL;
	return 0;
}

static int spdkrt_fio_open_file(struct thread_data *td, struct fio_file *f)
{
	struct job *job = td->io_ops_data;
	struct engine_opts *o = job_opts(td);
	bool flip = o->flip_byte != NULL && o->flip_byte[0] != '\0';
	bool write = td_write(td) || td_trim(td) || flip;
	struct file_ctx *fc;
	int rc;

	if (job == NULL)
		return 1;
	spdkrt_set_thread(job->thread);
	fc = calloc(1, sizeof(*fc));
	if (fc == NULL) {
		td_verror(td, ENOMEM, "spdkrt open_file");
		return 1;
	}
	fc->job = job;
	rc = spdkrt_bdev_open(f->file_name, write, bdev_event, fc, &fc->desc);
	if (rc != 0) {
		log_err(ENGINE ": job '%s': cannot open bdev '%s'%s: %s\n", td->o.name,
			f->file_name, write ? " for writing" : "", spdkrt_strerror(rc));
		free(fc);
		td_verror(td, -rc, "spdkrt_bdev_open");
		return 1;
	}
	fc->bdev = spdkrt_bdev_desc_get_bdev(fc->desc);
	fc->ch = spdkrt_bdev_get_io_channel(fc->desc);
	if (fc->ch == NULL) {
		log_err(ENGINE ": job '%s': no I/O channel for bdev '%s'\n", td->o.name,
			f->file_name);
		spdkrt_bdev_close(fc->desc);
		free(fc);
		td_verror(td, ENOMEM, "spdkrt_bdev_get_io_channel");
		return 1;
	}
	fc->block_size = spdkrt_bdev_get_block_size(fc->bdev);
	fc->block_shift = (uint32_t)__builtin_ctz(fc->block_size);
	fc->num_blocks = spdkrt_bdev_get_num_blocks(fc->bdev);
	fc->buf_align = spdkrt_bdev_get_buf_align(fc->bdev);
	f->engine_data = fc;

	if (flip && f->fileno >= 0 && (unsigned int)f->fileno < td->o.nr_files &&
	    !job->flipped[f->fileno]) {
		job->flipped[f->fileno] = true;
		rc = flip_byte(td, f, fc);
		if (rc != 0) {
			spdkrt_fio_close_file(td, f);
			td_verror(td, -rc, "spdkrt_flip_byte");
			return 1;
		}
	}
	return 0;
}

/* ---- I/O ------------------------------------------------------------------------------------ */

static void io_complete(void *cb_arg, int status)
{
	struct request *req = cb_arg;
	struct job *job = req->job;
	unsigned int tail;

	req->io_u->error = status < 0 ? (unsigned int)-status : 0;
	job->inflight--;
	tail = job->done_head + job->done_count;
	if (tail >= job->cap)
		tail -= job->cap;
	job->done[tail] = req->io_u;
	job->done_count++;
}

/* Rejects a request without submitting it; the first one of a job is described in full. */
static enum fio_q_status reject(struct thread_data *td, struct io_u *io_u, int err, const char *why)
{
	struct job *job = td->io_ops_data;

	if (!job->reported) {
		job->reported = true;
		log_err(ENGINE ": job '%s': %s %s at byte offset %llu, length %llu on '%s': %s\n",
			td->o.name, err == ENOTSUP ? "unsupported" : "rejected",
			io_ddir_name(io_u->ddir), io_u->offset, io_u->xfer_buflen,
			io_u->file->file_name, why);
	}
	io_u->error = (unsigned int)err;
	return FIO_Q_COMPLETED;
}

static enum fio_q_status spdkrt_fio_queue(struct thread_data *td, struct io_u *io_u)
{
	struct job *job = td->io_ops_data;
	struct file_ctx *fc = io_u->file->engine_data;
	struct request *req = io_u->engine_data;
	uint64_t size, mask, first, count = 0;
	char why[160];
	int rc;

	if (fc == NULL)
		return reject(td, io_u, EBADF, "the bdev is not open");
	size = fc->num_blocks << fc->block_shift;
	mask = fc->block_size - 1;
	first = io_u->offset >> fc->block_shift;

	if (io_u->ddir == DDIR_READ || io_u->ddir == DDIR_WRITE || io_u->ddir == DDIR_TRIM ||
	    io_u->ddir == DDIR_SYNC_FILE_RANGE) {
		if ((io_u->offset & mask) != 0 || (io_u->xfer_buflen & mask) != 0) {
			snprintf(why, sizeof(why),
				 "offset and length must be multiples of the "
				 "block size, %u bytes (check bs= and offset=)",
				 fc->block_size);
			return reject(td, io_u, EINVAL, why);
		}
		if (io_u->offset > size || io_u->xfer_buflen > size - io_u->offset) {
			snprintf(why, sizeof(why), "outside the bdev, which has %" PRIu64 " bytes",
				 size);
			return reject(td, io_u, EINVAL, why);
		}
		count = io_u->xfer_buflen >> fc->block_shift;
	}
	if ((io_u->ddir == DDIR_READ || io_u->ddir == DDIR_WRITE) &&
	    ((uintptr_t)io_u->xfer_buf & (fc->buf_align - 1)) != 0) {
		snprintf(why, sizeof(why),
			 "the buffer is not aligned to %zu bytes as the bdev "
			 "requires",
			 fc->buf_align);
		return reject(td, io_u, EINVAL, why);
	}
	if (job->inflight + job->done_count >= job->cap)
		return FIO_Q_BUSY;

	req->iov.iov_base = io_u->xfer_buf;
	req->iov.iov_len = io_u->xfer_buflen;
	switch (io_u->ddir) {
	case DDIR_READ:
		rc = spdkrt_bdev_readv_blocks(fc->desc, fc->ch, &req->iov, 1, first, count,
					      io_complete, req);
		break;
	case DDIR_WRITE:
		rc = spdkrt_bdev_writev_blocks(fc->desc, fc->ch, &req->iov, 1, first, count,
					       io_complete, req);
		break;
	case DDIR_TRIM:
		rc = spdkrt_bdev_unmap_blocks(fc->desc, fc->ch, first, count, io_complete, req);
		break;
	case DDIR_SYNC:
	case DDIR_DATASYNC:
	case DDIR_SYNC_FILE_RANGE:
		if (!spdkrt_bdev_io_type_supported(fc->bdev, SPDKRT_BDEV_IO_FLUSH))
			return FIO_Q_COMPLETED; /* no volatile cache: nothing to flush */
		if (io_u->ddir != DDIR_SYNC_FILE_RANGE || count == 0) {
			first = 0;
			count = fc->num_blocks;
		}
		rc = spdkrt_bdev_flush_blocks(fc->desc, fc->ch, first, count, io_complete, req);
		break;
	default:
		return reject(td, io_u, ENOTSUP, "the spdkrt engine does not do this kind of I/O");
	}
	if (rc == 0) {
		job->inflight++;
		return FIO_Q_QUEUED;
	}
	if (rc == -ENOMEM && job->inflight > 0)
		return FIO_Q_BUSY; /* fio reaps completions, then resubmits */
	if (rc == -ENOTSUP)
		return reject(td, io_u, ENOTSUP, "the bdev does not support it");
	snprintf(why, sizeof(why), "submission failed: %s", spdkrt_strerror(rc));
	return reject(td, io_u, -rc, why);
}

/*
 * Delivers completions by polling the job's spdkrt thread: returns once at least min are
 * there (up to max), when nothing is in flight any more, or when the timeout t has passed.
 * It polls without sleeping while I/O is in flight, as a polled-mode driver does.
 */
static int spdkrt_fio_getevents(struct thread_data *td, unsigned int min, unsigned int max,
				const struct timespec *t)
{
	struct job *job = td->io_ops_data;
	uint64_t deadline = 0;
	unsigned int n, i;

	if (t != NULL) {
		uint64_t hz = spdkrt_get_ticks_hz();

		deadline = spdkrt_get_ticks() + (uint64_t)t->tv_sec * hz +
			   (uint64_t)t->tv_nsec * hz / 1000000000u;
	}
	if (job->done_count < max && job->inflight > 0)
		spdkrt_thread_poll(job->thread, 0, 0);
	while (job->done_count < min && job->inflight > 0) {
		spdkrt_thread_poll(job->thread, 0, 0);
		if (t != NULL && spdkrt_get_ticks() >= deadline)
			break;
	}
	n = job->done_count < max ? job->done_count : max;
	for (i = 0; i < n; i++) {
		job->events[i] = job->done[job->done_head];
		if (++job->done_head == job->cap)
			job->done_head = 0;
	}
	job->done_count -= n;
	return (int)n;
}

static struct io_u *spdkrt_fio_event(struct thread_data *td, int event)
{
	struct job *job = td->io_ops_data;

	return job->events[event];
}

/* The symbol fio looks up in an external engine. */
__attribute__((visibility("default"))) struct ioengine_ops ioengine = {
	.name = "spdkrt",
	.version = FIO_IOOPS_VERSION,
	.flags = FIO_RAWIO | FIO_NOEXTEND | FIO_NODISKUTIL | FIO_MEMALIGN | FIO_DISKLESSIO,
	.setup = spdkrt_fio_setup,
	.init = spdkrt_fio_init,
	.queue = spdkrt_fio_queue,
	.getevents = spdkrt_fio_getevents,
	.event = spdkrt_fio_event,
	.cleanup = spdkrt_fio_cleanup,
	.open_file = spdkrt_fio_open_file,
	.close_file = spdkrt_fio_close_file,
	.iomem_alloc = spdkrt_fio_iomem_alloc,
	.iomem_free = spdkrt_fio_iomem_free,
	.io_u_init = spdkrt_fio_io_u_init,
	.io_u_free = spdkrt_fio_io_u_free,
	.option_struct_size = sizeof(struct engine_opts),
	.options = options,
};
