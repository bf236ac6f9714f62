/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bdev registry: creation from specs, lookup, descriptors, events, claims and destruction.
 * Management calls take srt_bdev_lock; the I/O path never does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <spdkrt/env.h>

#include "bdev/core.h"
#include "env/users.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

pthread_mutex_t srt_bdev_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdkrt_bdev) g_bdevs = TAILQ_HEAD_INITIALIZER(g_bdevs);
/* Bdevs out of the registry whose channels or module are still being released. */
static TAILQ_HEAD(, spdkrt_bdev) g_releasing = TAILQ_HEAD_INITIALIZER(g_releasing);

static struct spdkrt_bdev *find_locked(const char *name)
{
	struct spdkrt_bdev *b;

	TAILQ_FOREACH(b, &g_bdevs, link) {
		if (strcmp(b->name, name) == 0)
			return b;
	}
	return NULL;
}

/* Who to tell when a module has finished destructing a bdev. */
struct destroy_done {
	TAILQ_ENTRY(destroy_done) link;
	struct spdkrt_bdev *bdev;
	const struct srt_bdev_module *module;
	bool free_bdev; /* spdkrt_bdev_register allocated it */
	struct spdkrt_thread *thread;
	spdkrt_bdev_done_cb cb;
	void *ctx;
};
static TAILQ_HEAD(, destroy_done) g_destructing = TAILQ_HEAD_INITIALIZER(g_destructing);

/*
 * Bumped whenever a bdev leaves the registry for good (its memory may go then): every thread's
 * cached answers of bdev_is_live() are stale from that moment.
 */
static _Atomic uint64_t g_bdevs_gone;

/*
 * The bdevs this thread found live last, valid while g_bdevs_gone is t_live_gone. Several: a
 * module asks for its context on every I/O, and a thread serving a few bdevs in turn must not
 * walk the registry under its lock each time. Initial-exec: no __tls_get_addr call.
 */
#define LIVE_CACHE 4
static __thread const struct spdkrt_bdev *t_live[LIVE_CACHE]
	__attribute__((tls_model("initial-exec")));
static __thread uint64_t t_live_gone __attribute__((tls_model("initial-exec")));
static __thread unsigned t_live_next __attribute__((tls_model("initial-exec")));

bool srt_bdev_is_known(const void *ptr)
{
	struct spdkrt_bdev *b;
	struct destroy_done *d;
	bool found = false;

	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(b, &g_bdevs, link)
		found = found || b == ptr;
	TAILQ_FOREACH(b, &g_releasing, link)
		found = found || b == ptr;
	/* its module's destruct may still ask for its context */
	TAILQ_FOREACH(d, &g_destructing, link)
		found = found || d->bdev == ptr;
	pthread_mutex_unlock(&srt_bdev_lock);
	return found;
}

/*
 * Whether bdev is registered or still being released: a compare with the bdev this thread found
 * last (while no bdev has gone since), else a registry walk. Never reads through bdev first.
 */
static bool bdev_is_live(const struct spdkrt_bdev *bdev)
{
	/* read before the walk: a bdev going during it makes the next call walk again */
	uint64_t gone = atomic_load_explicit(&g_bdevs_gone, memory_order_acquire);

	if (unlikely(t_live_gone != gone)) {
		memset(t_live, 0, sizeof(t_live));
		t_live_gone = gone;
	}
	for (int i = 0; i < LIVE_CACHE; i++)
		if (t_live[i] == bdev)
			return true;
	if (!srt_bdev_is_known(bdev))
		return false;
	t_live[t_live_next++ % LIVE_CACHE] = bdev;
	return true;
}

/* For the getters: NULL gives the documented answer quietly, a stale handle is logged. */
static bool bdev_usable(const char *fn, const struct spdkrt_bdev *bdev)
{
	if (bdev == NULL)
		return false;
	if (likely(bdev_is_live(bdev)))
		return true;
	SRT_MISUSE("%s: %p is not a registered bdev (destroyed already?)", fn, (const void *)bdev);
	return false;
}

/* A getter's answer: value for a live bdev, else fallback. */
#define BDEV_GET(bdev, value, fallback) (bdev_usable(__func__, (bdev)) ? (value) : (fallback))

/* A random (version 4) RFC 4122 UUID unless the module gave one. */
static void make_uuid(uint8_t uuid[16])
{
	static const uint8_t zero[16];

	if (memcmp(uuid, zero, 16) != 0)
		return;
	if (getrandom(uuid, 16, 0) != 16) {
		/* no entropy source: still unique within the process */
		static _Atomic uint64_t counter;
		uint64_t n = atomic_fetch_add(&counter, 1) + 1, t = spdkrt_get_ticks();

		memcpy(uuid, &n, 8);
		memcpy(uuid + 8, &t, 8);
	}
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
}

/* The env asks before fini whether bdevs still exist; registered with the first bdev, once. */
static pthread_once_t g_env_user_once = PTHREAD_ONCE_INIT;
static void register_env_user(void);

int srt_bdev_register(struct spdkrt_bdev *bdev)
{
	uint64_t num_blocks = atomic_load(&bdev->num_blocks);
	int rc;

	if (bdev->name[0] == '\0' || bdev->fn == NULL || bdev->fn->submit == NULL ||
	    bdev->fn->destruct == NULL || bdev->fn->io_type_supported == NULL) {
		SRT_ERR("bdev registration without a name or module functions");
		return -EINVAL;
	}
	if (bdev->block_size < 512 || bdev->block_size > 65536 ||
	    (bdev->block_size & (bdev->block_size - 1)) != 0) {
		SRT_ERR("bdev '%s': block size %u is not a power of two in 512..65536", bdev->name,
			bdev->block_size);
		return -EINVAL;
	}
	bdev->block_shift = (uint32_t)__builtin_ctz(bdev->block_size);
	if (num_blocks == 0 || num_blocks > (UINT64_MAX >> bdev->block_shift)) {
		SRT_ERR("bdev '%s': %llu blocks is not a usable size", bdev->name,
			(unsigned long long)num_blocks);
		return -EINVAL;
	}
	if (bdev->buf_align == 0)
		bdev->buf_align = 1;
	if ((bdev->buf_align & (bdev->buf_align - 1)) != 0) {
		SRT_ERR("bdev '%s': buffer alignment %zu is not a power of two", bdev->name,
			bdev->buf_align);
		return -EINVAL;
	}
	/* A split child must be able to carry one block within the segment limits. */
	if (bdev->max_segment_size != 0 &&
	    (uint64_t)bdev->max_segment_size * (uint64_t)srt_bdev_child_slots(bdev) <
		    bdev->block_size) {
		SRT_ERR("bdev '%s': %u segments of at most %u bytes cannot hold one %u-byte block",
			bdev->name, bdev->max_segments, bdev->max_segment_size, bdev->block_size);
		return -EINVAL;
	}
	if (bdev->write_unit_size == 0)
		bdev->write_unit_size = 1;
	if (bdev->max_unmap_ranges == 0)
		bdev->max_unmap_ranges = 1;
	if (bdev->max_compare_and_write_blocks == 0)
		bdev->max_compare_and_write_blocks = 1;
	make_uuid(bdev->uuid);
	if (bdev->product_name == NULL)
		bdev->product_name = "";
	TAILQ_INIT(&bdev->descs);
	TAILQ_INIT(&bdev->channels);
	memset(&bdev->released_stats, 0, sizeof(bdev->released_stats));
	bdev->claimed_by = NULL;
	bdev->channels_released = false;
	atomic_store(&bdev->removal_logged, false);
	atomic_store(&bdev->frozen, false);
	bdev->reset_active = NULL;
	STAILQ_INIT(&bdev->reset_queue);
	bdev->may_split = bdev->optimal_io_boundary != 0 || bdev->max_io_blocks != 0 ||
			  bdev->max_unmap_blocks != 0 || bdev->max_write_zeroes_blocks != 0 ||
			  bdev->max_segment_size != 0 || bdev->max_segments != 0;
	atomic_store(&bdev->removing, false);

	pthread_once(&g_env_user_once, register_env_user);
	pthread_mutex_lock(&srt_bdev_lock);
	if (find_locked(bdev->name) != NULL) {
		pthread_mutex_unlock(&srt_bdev_lock);
		SRT_ERR("a bdev named '%s' already exists", bdev->name);
		return -EEXIST;
	}
	rc = spdkrt_io_device_register(bdev, srt_bdev_channel_create, srt_bdev_channel_destroy,
				       sizeof(struct srt_bdev_channel *), bdev->name);
	if (rc == 0)
		TAILQ_INSERT_TAIL(&g_bdevs, bdev, link);
	pthread_mutex_unlock(&srt_bdev_lock);
	if (rc != 0)
		return rc;
	SRT_INFO("bdev '%s' registered (%s, %llu blocks of %u bytes)", bdev->name,
		 bdev->module->name, (unsigned long long)num_blocks, bdev->block_size);
	srt_bdev_module_examine(bdev);
	return 0;
}

int spdkrt_bdev_info_init(struct spdkrt_bdev_info *info, size_t size)
{
	if (info == NULL || size < sizeof(info->size)) {
		SRT_ERR("spdkrt_bdev_info_init: info is NULL or size %zu is too small", size);
		return -EINVAL;
	}
	memset(info, 0, size);
	info->size = size;
	return 0;
}

int spdkrt_bdev_register(const struct spdkrt_bdev_info *arg, struct spdkrt_bdev **out)
{
	struct spdkrt_bdev_info info;
	struct spdkrt_bdev *bdev;
	int rc;

	if (arg == NULL || out == NULL || arg->size < offsetof(struct spdkrt_bdev_info, uuid)) {
		SRT_ERR("spdkrt_bdev_register: info or bdev is NULL, or info->size is not set "
			"(spdkrt_bdev_info_init)");
		return -EINVAL;
	}
	memset(&info, 0, sizeof(info));
	memcpy(&info, arg, arg->size < sizeof(info) ? arg->size : sizeof(info));
	if (info.name == NULL || strlen(info.name) >= sizeof(bdev->name) || info.module == NULL ||
	    info.fn == NULL || info.fn->size < offsetof(struct spdkrt_bdev_fn_table, rescan)) {
		SRT_ERR("spdkrt_bdev_register: name missing or longer than 63 characters, no "
			"module, or no function table (with its size set)");
		return -EINVAL;
	}
	bdev = aligned_alloc(64, (sizeof(*bdev) + 63) & ~(size_t)63);
	if (bdev == NULL)
		return -ENOMEM;
	memset(bdev, 0, sizeof(*bdev));
	snprintf(bdev->name, sizeof(bdev->name), "%s", info.name);
	memcpy(&bdev->fn_copy, info.fn,
	       info.fn->size < sizeof(bdev->fn_copy) ? info.fn->size : sizeof(bdev->fn_copy));
	bdev->fn_copy.size = sizeof(bdev->fn_copy);
	bdev->fn = &bdev->fn_copy;
	bdev->product_name = info.product_name;
	bdev->module = srt_bdev_module_base(info.module);
	bdev->public_module = info.module;
	bdev->ctx = info.ctx;
	bdev->block_size = info.block_size;
	atomic_init(&bdev->num_blocks, info.num_blocks);
	bdev->buf_align = info.buf_align;
	bdev->optimal_io_boundary = info.optimal_io_boundary;
	bdev->write_unit_size = info.write_unit_size;
	bdev->max_io_blocks = info.max_io_blocks;
	bdev->max_unmap_blocks = info.max_unmap_blocks;
	bdev->max_unmap_ranges = info.max_unmap_ranges;
	bdev->max_write_zeroes_blocks = info.max_write_zeroes_blocks;
	bdev->max_segment_size = info.max_segment_size;
	bdev->max_segments = info.max_segments;
	bdev->max_compare_and_write_blocks = info.max_compare_and_write_blocks;
	memcpy(bdev->uuid, info.uuid, sizeof(bdev->uuid));
	bdev->core_allocated = true;
	rc = srt_bdev_register(bdev);
	if (rc != 0) {
		free(bdev);
		return rc;
	}
	*out = bdev;
	return 0;
}

/* Parses a spec and finds its module: 0, -EINVAL (malformed) or -ENODEV (unknown module). */
static int parse_and_find(const char *spec_text, struct srt_spec **spec,
			  struct spdkrt_bdev_module **module)
{
	int rc = srt_spec_parse(spec_text, spec);

	if (rc != 0)
		return rc;
	*module = srt_bdev_module_lookup((*spec)->module);
	if (*module == NULL) {
		char shown[512], names[256];

		SRT_ERR("bdev spec '%s': unknown module '%s' (known: %s)%s",
			spdkrt_spec_redact(spec_text, shown, sizeof(shown)), (*spec)->module,
			srt_bdev_module_names(names, sizeof(names)),
			spdkrt_env_is_initialized() ? "" :
						      "; spdkrt_env_init() registers the built-in "
						      "modules");
		srt_spec_free(*spec);
		*spec = NULL;
		return -ENODEV;
	}
	return 0;
}

int spdkrt_bdev_create(const char *spec_text, struct spdkrt_bdev **out)
{
	struct spdkrt_bdev_module *module;
	struct spdkrt_bdev *bdev = NULL;
	struct srt_spec *spec;
	int rc;

	rc = parse_and_find(spec_text, &spec, &module);
	if (rc != 0)
		return rc;
	rc = srt_bdev_module_create(module, spec, &bdev);
	srt_spec_free(spec);
	if (rc == 0 && out != NULL)
		*out = bdev;
	return rc;
}

int spdkrt_bdev_create_async(const char *spec_text, spdkrt_bdev_create_cb cb, void *ctx)
{
	struct spdkrt_bdev_module *module;
	struct srt_spec *spec;
	int rc;

	if (spec_text == NULL || cb == NULL || srt_current_thread == NULL) {
		SRT_ERR("spdkrt_bdev_create_async: spec or cb is NULL, or not called on an spdkrt "
			"thread");
		return -EINVAL;
	}
	rc = parse_and_find(spec_text, &spec, &module);
	if (rc != 0)
		return rc;
	rc = srt_bdev_module_create_async(module, spec, cb, ctx);
	srt_spec_free(spec);
	return rc;
}

struct spdkrt_bdev *spdkrt_bdev_get_by_name(const char *name)
{
	struct spdkrt_bdev *b;

	if (name == NULL)
		return NULL;
	pthread_mutex_lock(&srt_bdev_lock);
	b = find_locked(name);
	pthread_mutex_unlock(&srt_bdev_lock);
	return b;
}

struct spdkrt_bdev *spdkrt_bdev_first(void)
{
	struct spdkrt_bdev *b;

	pthread_mutex_lock(&srt_bdev_lock);
	b = TAILQ_FIRST(&g_bdevs);
	pthread_mutex_unlock(&srt_bdev_lock);
	return b;
}

struct spdkrt_bdev *spdkrt_bdev_next(struct spdkrt_bdev *prev)
{
	struct spdkrt_bdev *b = NULL;

	if (prev == NULL)
		return NULL;
	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(b, &g_bdevs, link) {
		if (b == prev) {
			b = TAILQ_NEXT(b, link);
			break;
		}
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	return b;
}

int spdkrt_bdev_open(const char *name, bool write, spdkrt_bdev_event_cb event_cb, void *event_ctx,
		     struct spdkrt_bdev_desc **out)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_bdev *bdev;
	int rc = 0;

	if (name == NULL || event_cb == NULL || out == NULL || srt_current_thread == NULL) {
		SRT_ERR("spdkrt_bdev_open: NULL name, event_cb or desc, or not called on an "
			"spdkrt thread");
		return -EINVAL;
	}
	desc = srt_bdev_desc_alloc();
	if (desc == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&srt_bdev_lock);
	bdev = find_locked(name);
	if (bdev == NULL || atomic_load(&bdev->removing)) {
		SRT_ERR("spdkrt_bdev_open: no bdev named '%s'%s", name,
			bdev != NULL ? " (it is being removed)" : "");
		rc = -ENODEV;
	} else if (write && bdev->claimed_by != NULL) {
		SRT_ERR("spdkrt_bdev_open: '%s' is claimed by '%s' and cannot be opened for "
			"writing",
			name, bdev->claimed_by->name);
		rc = -EPERM;
	} else {
		desc->bdev = bdev;
		desc->thread = srt_current_thread;
		desc->event_cb = event_cb;
		desc->event_ctx = event_ctx;
		desc->write = write;
		desc->refs = 1;
		TAILQ_INSERT_TAIL(&bdev->descs, desc, link);
		atomic_store_explicit(&desc->magic, SRT_BDEV_DESC_OPEN, memory_order_relaxed);
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	if (rc != 0) {
		srt_bdev_desc_free(desc);
		return rc;
	}
	*out = desc;
	return 0;
}

/* Drops a reference under srt_bdev_lock; true when the descriptor must be freed. */
static bool desc_unref_locked(struct spdkrt_bdev_desc *desc)
{
	return --desc->refs == 0;
}

/* For spdkrt_env_fini(): the bdevs that live in the environment's memory. */
static bool bdevs_alive(char *buf, size_t size)
{
	struct spdkrt_bdev *b;
	size_t o = 0;

	buf[0] = '\0';
	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(b, &g_bdevs, link) {
		int n = snprintf(buf + o, size - o, "%s'%s'", o == 0 ? "bdevs " : ", ", b->name);

		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	return buf[0] != '\0';
}

static void register_env_user(void)
{
	srt_env_add_user_check(bdevs_alive);
}

/* Found by address among every bdev's open descriptors: a stale handle is not dereferenced. */
static bool desc_is_open_locked(const struct spdkrt_bdev_desc *desc)
{
	struct spdkrt_bdev *b;
	struct spdkrt_bdev_desc *d;

	TAILQ_FOREACH(b, &g_bdevs, link) {
		TAILQ_FOREACH(d, &b->descs, link) {
			if (d == desc)
				return true;
		}
	}
	TAILQ_FOREACH(b, &g_releasing, link) {
		TAILQ_FOREACH(d, &b->descs, link) {
			if (d == desc)
				return true;
		}
	}
	return false;
}

void spdkrt_bdev_close(struct spdkrt_bdev_desc *desc)
{
	struct spdkrt_bdev *bdev;
	bool last, free_desc, other_thread;

	if (desc == NULL)
		return;
	pthread_mutex_lock(&srt_bdev_lock);
	if (!desc_is_open_locked(desc)) {
		pthread_mutex_unlock(&srt_bdev_lock);
		SRT_MISUSE(
			"spdkrt_bdev_close: %p is not an open descriptor (closed twice?); ignored",
			(void *)desc);
		return;
	}
	bdev = desc->bdev;
	other_thread = desc->thread != srt_current_thread;
	if (desc->closed) {
		pthread_mutex_unlock(&srt_bdev_lock);
		SRT_MISUSE("spdkrt_bdev_close: descriptor of '%s' closed twice", bdev->name);
		return;
	}
	desc->closed = true;
	atomic_store_explicit(&desc->magic, 0, memory_order_relaxed); /* I/O refused from now */
	TAILQ_REMOVE(&bdev->descs, desc, link);
	last = TAILQ_EMPTY(&bdev->descs) && atomic_load(&bdev->removing);
	free_desc = desc_unref_locked(desc);
	pthread_mutex_unlock(&srt_bdev_lock);
	if (other_thread)
		SRT_WARN("spdkrt_bdev_close: '%s' closed from another thread than it was opened on",
			 bdev->name);
	if (free_desc)
		srt_bdev_desc_free(desc);
	if (last)
		srt_bdev_unregister(bdev);
}

struct spdkrt_bdev *spdkrt_bdev_desc_get_bdev(struct spdkrt_bdev_desc *desc)
{
	if (desc == NULL)
		return NULL;
	if (!srt_bdev_desc_is_open(desc)) {
		SRT_MISUSE("spdkrt_bdev_desc_get_bdev: %p is not an open descriptor (closed "
			   "already?)",
			   (void *)desc);
		return NULL;
	}
	return desc->bdev;
}

struct event_msg {
	struct spdkrt_bdev_desc *desc;
	enum spdkrt_bdev_event_type type;
};

static void event_deliver(void *arg)
{
	struct event_msg *msg = arg;
	struct spdkrt_bdev_desc *desc = msg->desc;
	bool closed, free_desc;

	pthread_mutex_lock(&srt_bdev_lock);
	closed = desc->closed;
	pthread_mutex_unlock(&srt_bdev_lock);
	if (!closed)
		desc->event_cb(msg->type, desc->bdev, desc->event_ctx);
	pthread_mutex_lock(&srt_bdev_lock);
	free_desc = desc_unref_locked(desc);
	pthread_mutex_unlock(&srt_bdev_lock);
	if (free_desc)
		srt_bdev_desc_free(desc);
	free(msg);
}

/* Sends an event to every descriptor, each on its own thread. Called with srt_bdev_lock held. */
static void notify_locked(struct spdkrt_bdev *bdev, enum spdkrt_bdev_event_type type)
{
	struct spdkrt_bdev_desc *desc;

	TAILQ_FOREACH(desc, &bdev->descs, link) {
		struct event_msg *msg = malloc(sizeof(*msg));

		if (msg == NULL) {
			SRT_ERR("bdev '%s': out of memory for an event", bdev->name);
			continue;
		}
		msg->desc = desc;
		msg->type = type;
		desc->refs++;
		srt_thread_send_msg_retry(desc->thread, event_deliver, msg);
	}
}

static int notify_resize_locked(struct spdkrt_bdev *bdev, uint64_t num_blocks)
{
	if (num_blocks == 0 || num_blocks > (UINT64_MAX >> bdev->block_shift))
		return -EINVAL;
	atomic_store(&bdev->num_blocks, num_blocks);
	notify_locked(bdev, SPDKRT_BDEV_EVENT_RESIZE);
	return 0;
}

int srt_bdev_notify_resize(struct spdkrt_bdev *bdev, uint64_t num_blocks)
{
	int rc;

	pthread_mutex_lock(&srt_bdev_lock);
	rc = notify_resize_locked(bdev, num_blocks);
	pthread_mutex_unlock(&srt_bdev_lock);
	if (rc == 0)
		SRT_NOTICE("bdev '%s' resized to %llu blocks", bdev->name,
			   (unsigned long long)num_blocks);
	return rc;
}

int spdkrt_bdev_rescan(const char *name)
{
	const char *module = "";
	struct spdkrt_bdev *bdev;
	uint64_t old = 0, now = 0;
	int rc;

	if (name == NULL) {
		SRT_ERR("spdkrt_bdev_rescan: name is NULL");
		return -EINVAL;
	}
	/* The lock keeps the bdev from being destroyed while the module measures it. */
	pthread_mutex_lock(&srt_bdev_lock);
	bdev = find_locked(name);
	if (bdev == NULL || atomic_load(&bdev->removing)) {
		rc = -ENODEV;
	} else if (bdev->fn->rescan == NULL) {
		module = bdev->module->name;
		rc = -ENOTSUP;
	} else {
		old = atomic_load(&bdev->num_blocks);
		rc = bdev->fn->rescan(bdev->ctx, &now);
		if (rc == 0 && now != old)
			rc = notify_resize_locked(bdev, now);
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	if (rc == -ENODEV)
		SRT_ERR("spdkrt_bdev_rescan: no bdev named '%s'%s", name,
			bdev != NULL ? " (it is being removed)" : "");
	else if (rc == -ENOTSUP)
		SRT_ERR("spdkrt_bdev_rescan: '%s' (%s) cannot be rescanned", name, module);
	else if (rc != 0)
		SRT_ERR("spdkrt_bdev_rescan: '%s': %s", name, spdkrt_strerror(rc));
	else if (now != old)
		SRT_NOTICE("bdev '%s' resized from %llu to %llu blocks", name,
			   (unsigned long long)old, (unsigned long long)now);
	return rc;
}

int srt_bdev_claim(struct spdkrt_bdev *bdev, struct spdkrt_bdev_desc *by_desc,
		   struct spdkrt_bdev *claimer)
{
	struct spdkrt_bdev_desc *d;
	int rc = 0;

	pthread_mutex_lock(&srt_bdev_lock);
	if (bdev->claimed_by != NULL) {
		SRT_ERR("bdev '%s' is already claimed by '%s'", bdev->name, bdev->claimed_by->name);
		rc = -EPERM;
	}
	TAILQ_FOREACH(d, &bdev->descs, link) {
		if (rc == 0 && d != by_desc && d->write) {
			SRT_ERR("bdev '%s' is open for writing elsewhere and cannot be claimed",
				bdev->name);
			rc = -EPERM;
		}
	}
	if (rc == 0)
		bdev->claimed_by = claimer;
	pthread_mutex_unlock(&srt_bdev_lock);
	return rc;
}

void srt_bdev_release_claim(struct spdkrt_bdev *bdev)
{
	pthread_mutex_lock(&srt_bdev_lock);
	bdev->claimed_by = NULL;
	pthread_mutex_unlock(&srt_bdev_lock);
}

static void destroy_done_msg(void *arg)
{
	struct destroy_done *d = arg;

	if (d->cb != NULL)
		d->cb(d->ctx, 0);
	free(d);
}

static void module_destructed(struct spdkrt_bdev *bdev)
{
	struct destroy_done *d;

	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(d, &g_destructing, link) {
		if (d->bdev == bdev)
			break;
	}
	if (d != NULL)
		TAILQ_REMOVE(&g_destructing, d, link);
	/* pairs with the acquire load in bdev_is_live(): cached answers about bdev are void */
	atomic_fetch_add_explicit(&g_bdevs_gone, 1, memory_order_release);
	pthread_mutex_unlock(&srt_bdev_lock);
	/* bdev itself may be gone: a built-in module frees the object it is embedded in */
	if (d != NULL && d->free_bdev)
		free(bdev);
	if (d != NULL)
		srt_thread_send_msg_retry(d->thread, destroy_done_msg, d);
}

bool srt_bdev_module_has_releasing(const struct srt_bdev_module *module)
{
	struct spdkrt_bdev *b;
	struct destroy_done *d;
	bool found = false;

	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(b, &g_releasing, link)
		found = found || b->module == module;
	TAILQ_FOREACH(d, &g_destructing, link)
		found = found || d->module == module;
	pthread_mutex_unlock(&srt_bdev_lock);
	return found;
}

/* Nothing uses the bdev any more: hand it to its module to destruct. */
static void destruct_bdev(struct spdkrt_bdev *bdev)
{
	struct destroy_done *d = malloc(sizeof(*d));

	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_REMOVE(&g_releasing, bdev, link);
	if (d == NULL) /* not findable any more: see module_destructed() */
		atomic_fetch_add_explicit(&g_bdevs_gone, 1, memory_order_release);
	if (d != NULL) {
		d->bdev = bdev;
		d->module = bdev->module;
		d->free_bdev = bdev->core_allocated;
		d->thread = bdev->destroy_thread;
		d->cb = bdev->destroy_done;
		d->ctx = bdev->destroy_ctx;
		TAILQ_INSERT_TAIL(&g_destructing, d, link);
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	if (d == NULL)
		SRT_ERR("bdev '%s': out of memory for its destroy notice", bdev->name);
	SRT_INFO("bdev '%s' destroyed", bdev->name);
	bdev->fn->destruct(bdev, module_destructed);
}

static void orphans_gone_msg(void *arg)
{
	struct spdkrt_bdev *bdev = arg;

	bdev->unregister_thread->num_pending--;
	destruct_bdev(bdev);
}

/* Runs on the orphan's thread; the module destructs on the thread that unregistered. */
void srt_bdev_orphans_gone(struct spdkrt_bdev *bdev)
{
	srt_thread_send_msg_retry(bdev->unregister_thread, orphans_gone_msg, bdev);
}

/*
 * Every io_channel of the bdev is released, but an orphaned channel (put with I/O in flight)
 * still submits and completes on it: the last orphan to go destructs it then.
 */
static void channels_released(void *io_device)
{
	struct spdkrt_bdev *bdev = io_device;
	bool orphans;

	pthread_mutex_lock(&srt_bdev_lock);
	orphans = !TAILQ_EMPTY(&bdev->channels);
	if (orphans) {
		bdev->channels_released = true;
		bdev->unregister_thread = srt_current_thread;
		srt_current_thread->num_pending++; /* it must live to run orphans_gone_msg */
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	if (!orphans)
		destruct_bdev(bdev);
}

void srt_bdev_unregister(struct spdkrt_bdev *bdev)
{
	int rc;

	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_REMOVE(&g_bdevs, bdev, link);
	TAILQ_INSERT_TAIL(&g_releasing, bdev, link);
	pthread_mutex_unlock(&srt_bdev_lock);
	rc = spdkrt_io_device_unregister(bdev, channels_released);
	if (rc != 0)
		SRT_ERR("bdev '%s': could not unregister its channels: %s", bdev->name,
			spdkrt_strerror(rc));
}

/* Whether bdev is in the registry (not being released). */
static bool is_registered(const struct spdkrt_bdev *bdev)
{
	struct spdkrt_bdev *b;
	bool found = false;

	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(b, &g_bdevs, link)
		found = found || b == bdev;
	pthread_mutex_unlock(&srt_bdev_lock);
	return found;
}

/* Starts removing a bdev: REMOVE events, then unregister once the last descriptor closes. */
static void remove_locked(struct spdkrt_bdev *bdev, spdkrt_bdev_done_cb done, void *ctx)
{
	bool now;

	atomic_store(&bdev->removing, true);
	bdev->destroy_done = done;
	bdev->destroy_ctx = ctx;
	bdev->destroy_thread = srt_current_thread;
	notify_locked(bdev, SPDKRT_BDEV_EVENT_REMOVE);
	now = TAILQ_EMPTY(&bdev->descs);
	pthread_mutex_unlock(&srt_bdev_lock);
	if (now)
		srt_bdev_unregister(bdev);
}

int spdkrt_bdev_destroy(const char *name, spdkrt_bdev_done_cb done, void *ctx)
{
	struct spdkrt_bdev *bdev;

	if (name == NULL || srt_current_thread == NULL) {
		SRT_ERR("spdkrt_bdev_destroy: name is NULL or not called on an spdkrt thread");
		return -EINVAL;
	}
	pthread_mutex_lock(&srt_bdev_lock);
	bdev = find_locked(name);
	if (bdev == NULL) {
		pthread_mutex_unlock(&srt_bdev_lock);
		SRT_ERR("spdkrt_bdev_destroy: no bdev named '%s'", name);
		return -ENODEV;
	}
	if (bdev->claimed_by != NULL || atomic_load(&bdev->removing)) {
		pthread_mutex_unlock(&srt_bdev_lock);
		SRT_ERR("spdkrt_bdev_destroy: '%s' is %s", name,
			bdev->claimed_by != NULL ? "claimed by another bdev; destroy that first" :
						   "already being destroyed");
		return -EBUSY;
	}
	remove_locked(bdev, done, ctx); /* unlocks */
	return 0;
}

int spdkrt_bdev_unregister(struct spdkrt_bdev *bdev, spdkrt_bdev_done_cb done, void *ctx)
{
	if (bdev == NULL || srt_current_thread == NULL || !is_registered(bdev)) {
		SRT_ERR("spdkrt_bdev_unregister: bdev is NULL or not registered, or not called "
			"on an spdkrt thread");
		return -EINVAL;
	}
	pthread_mutex_lock(&srt_bdev_lock);
	if (atomic_load(&bdev->removing)) {
		pthread_mutex_unlock(&srt_bdev_lock);
		SRT_ERR("spdkrt_bdev_unregister: '%s' is already being removed", bdev->name);
		return -EBUSY;
	}
	SRT_NOTICE("bdev '%s' is being removed by its module", bdev->name);
	remove_locked(bdev, done, ctx); /* unlocks */
	return 0;
}

struct destroy_all {
	void (*done)(void *ctx);
	void *ctx;
};

static void destroy_next(void *arg, int status);

/* Destroys one unclaimed bdev at a time: virtual bdevs release their claims as they go. */
static void destroy_all_step(struct destroy_all *all)
{
	struct spdkrt_bdev *b, *victim = NULL;
	char name[64];

	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(b, &g_bdevs, link) {
		if (b->claimed_by == NULL && !atomic_load(&b->removing)) {
			victim = b;
			snprintf(name, sizeof(name), "%s", b->name);
			break;
		}
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	if (victim == NULL || spdkrt_bdev_destroy(name, destroy_next, all) != 0) {
		all->done(all->ctx);
		free(all);
	}
}

static void destroy_next(void *arg, int status)
{
	(void)status;
	destroy_all_step(arg);
}

void srt_bdev_destroy_all(void (*done)(void *ctx), void *ctx)
{
	struct destroy_all *all = malloc(sizeof(*all));

	if (all == NULL) {
		done(ctx);
		return;
	}
	all->done = done;
	all->ctx = ctx;
	destroy_all_step(all);
}

const char *spdkrt_bdev_get_name(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->name, "");
}

const char *spdkrt_bdev_get_product_name(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->product_name, "");
}

const char *spdkrt_bdev_get_module_name(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->module->name, "");
}

uint32_t spdkrt_bdev_get_block_size(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->block_size, 0);
}

uint64_t spdkrt_bdev_get_num_blocks(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, atomic_load_explicit(&bdev->num_blocks, memory_order_relaxed), 0);
}

size_t spdkrt_bdev_get_buf_align(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->buf_align, 1);
}

uint32_t spdkrt_bdev_get_optimal_io_boundary(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->optimal_io_boundary, 0);
}

uint32_t spdkrt_bdev_get_write_unit_size(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->write_unit_size, 0);
}

uint32_t spdkrt_bdev_get_max_io_blocks(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->max_io_blocks, 0);
}

bool spdkrt_bdev_is_claimed(const struct spdkrt_bdev *bdev)
{
	bool claimed;

	if (!bdev_usable(__func__, bdev))
		return false;
	pthread_mutex_lock(&srt_bdev_lock);
	claimed = bdev->claimed_by != NULL;
	pthread_mutex_unlock(&srt_bdev_lock);
	return claimed;
}

bool spdkrt_bdev_io_type_supported(const struct spdkrt_bdev *bdev, enum spdkrt_bdev_io_type type)
{
	if (!bdev_usable(__func__, bdev) || (unsigned)type > SPDKRT_BDEV_IO_NVME_IO)
		return false;
	return bdev->fn->io_type_supported(bdev->ctx, type);
}

void *spdkrt_bdev_get_module_ctx(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->ctx, NULL);
}

int spdkrt_bdev_get_uuid(const struct spdkrt_bdev *bdev, uint8_t uuid[16])
{
	if (bdev == NULL || uuid == NULL) {
		SRT_ERR("spdkrt_bdev_get_uuid: bdev or uuid is NULL");
		return -EINVAL;
	}
	if (!bdev_usable(__func__, bdev))
		return -ENODEV;
	memcpy(uuid, bdev->uuid, 16);
	return 0;
}

uint32_t spdkrt_bdev_get_max_unmap_blocks(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->max_unmap_blocks, 0);
}

uint32_t spdkrt_bdev_get_max_unmap_ranges(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->max_unmap_ranges, 0);
}

uint32_t spdkrt_bdev_get_max_write_zeroes_blocks(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->max_write_zeroes_blocks, 0);
}

uint32_t spdkrt_bdev_get_max_segment_size(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->max_segment_size, 0);
}

uint32_t spdkrt_bdev_get_max_segments(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->max_segments, 0);
}

uint32_t spdkrt_bdev_get_max_compare_and_write_blocks(const struct spdkrt_bdev *bdev)
{
	return BDEV_GET(bdev, bdev->max_compare_and_write_blocks, 0);
}

int spdkrt_bdev_module_claim_bdev(struct spdkrt_bdev *bdev, struct spdkrt_bdev_desc *desc,
				  struct spdkrt_bdev *claimer)
{
	if (bdev == NULL || desc == NULL || claimer == NULL) {
		SRT_ERR("spdkrt_bdev_module_claim_bdev: NULL argument");
		return -EINVAL;
	}
	if (!bdev_usable(__func__, bdev))
		return -ENODEV;
	if (!srt_bdev_desc_is_open(desc) || desc->bdev != bdev) {
		SRT_ERR("spdkrt_bdev_module_claim_bdev: desc is not an open descriptor of '%s'",
			bdev->name);
		return -EINVAL;
	}
	return srt_bdev_claim(bdev, desc, claimer);
}

void spdkrt_bdev_module_release_bdev(struct spdkrt_bdev *bdev)
{
	if (bdev == NULL) {
		SRT_ERR("spdkrt_bdev_module_release_bdev: bdev is NULL; ignored");
		return;
	}
	if (bdev_usable(__func__, bdev))
		srt_bdev_release_claim(bdev);
}

int spdkrt_bdev_notify_resize(struct spdkrt_bdev *bdev, uint64_t num_blocks)
{
	int rc;

	if (bdev == NULL) {
		SRT_ERR("spdkrt_bdev_notify_resize: bdev is NULL");
		return -EINVAL;
	}
	if (!bdev_usable(__func__, bdev))
		return -ENODEV;
	rc = srt_bdev_notify_resize(bdev, num_blocks);
	if (rc != 0)
		SRT_ERR("spdkrt_bdev_notify_resize: '%s': %llu blocks is not a usable size",
			bdev->name, (unsigned long long)num_blocks);
	return rc;
}
