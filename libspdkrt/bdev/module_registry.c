/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registered bdev modules (spdkrt_bdev_module_register): the built-in ones register the same
 * way, at spdkrt_env_init. spdkrt_bdev_create() and _create_async() find them here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdev/core.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

struct spdkrt_bdev_module {
	struct srt_bdev_module base; /* the name every bdev of the module points to */
	struct spdkrt_bdev_module_ops ops;
	bool kept; /* built in: never unregistered */
	TAILQ_ENTRY(spdkrt_bdev_module) link;
};

/* Guarded by srt_bdev_lock. */
static TAILQ_HEAD(, spdkrt_bdev_module) g_modules = TAILQ_HEAD_INITIALIZER(g_modules);

static struct spdkrt_bdev_module *find_locked(const char *name)
{
	struct spdkrt_bdev_module *m;

	TAILQ_FOREACH(m, &g_modules, link) {
		if (strcmp(m->base.name, name) == 0)
			return m;
	}
	return NULL;
}

static bool name_is_valid(const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > 32)
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	}
	return true;
}

int spdkrt_bdev_module_ops_init(struct spdkrt_bdev_module_ops *ops, size_t size)
{
	if (ops == NULL || size < sizeof(ops->size)) {
		SRT_ERR("spdkrt_bdev_module_ops_init: ops is NULL or size %zu is too small", size);
		return -EINVAL;
	}
	memset(ops, 0, size);
	ops->size = size;
	return 0;
}

static int add_module(const struct spdkrt_bdev_module_ops *ops, struct spdkrt_bdev_module **out)
{
	struct spdkrt_bdev_module *m = calloc(1, sizeof(*m));
	int rc = 0;

	if (m == NULL)
		return -ENOMEM;
	memcpy(&m->ops, ops, ops->size < sizeof(m->ops) ? ops->size : sizeof(m->ops));
	m->ops.size = sizeof(m->ops);
	m->base.name = m->ops.name;
	if (m->ops.init != NULL) {
		rc = m->ops.init(m);
		if (rc != 0) {
			SRT_ERR("bdev module '%s': init failed: %s", m->ops.name,
				spdkrt_strerror(rc));
			free(m);
			return rc;
		}
	}
	pthread_mutex_lock(&srt_bdev_lock);
	if (find_locked(m->ops.name) != NULL)
		rc = -EEXIST;
	else
		TAILQ_INSERT_TAIL(&g_modules, m, link);
	pthread_mutex_unlock(&srt_bdev_lock);
	if (rc != 0) {
		SRT_ERR("spdkrt_bdev_module_register: a module named '%s' is already registered",
			m->ops.name);
		free(m);
		return rc;
	}
	if (out != NULL)
		*out = m;
	return 0;
}

int spdkrt_bdev_module_register(const struct spdkrt_bdev_module_ops *ops,
				struct spdkrt_bdev_module **module)
{
	if (ops == NULL || module == NULL ||
	    ops->size < offsetof(struct spdkrt_bdev_module_ops, create_async)) {
		SRT_ERR("spdkrt_bdev_module_register: ops or module is NULL, or ops->size is not "
			"set (spdkrt_bdev_module_ops_init)");
		return -EINVAL;
	}
	if (!name_is_valid(ops->name)) {
		SRT_ERR("spdkrt_bdev_module_register: module name '%s' is not 1..32 letters, "
			"digits or '_'",
			ops->name != NULL ? ops->name : "(null)");
		return -EINVAL;
	}
	if (ops->create == NULL &&
	    (ops->size <= offsetof(struct spdkrt_bdev_module_ops, create_async) ||
	     ops->create_async == NULL)) {
		SRT_ERR("spdkrt_bdev_module_register: module '%s' has neither create nor "
			"create_async",
			ops->name);
		return -EINVAL;
	}
	if (ops->io_ctx_size > SPDKRT_BDEV_IO_DRIVER_CTX_MAX) {
		SRT_ERR("spdkrt_bdev_module_register: module '%s' asks for %zu bytes of context "
			"per I/O; at most %d",
			ops->name, ops->io_ctx_size, SPDKRT_BDEV_IO_DRIVER_CTX_MAX);
		return -EINVAL;
	}
	return add_module(ops, module);
}

void srt_bdev_module_keep(struct spdkrt_bdev_module *module)
{
	pthread_mutex_lock(&srt_bdev_lock);
	module->kept = true;
	pthread_mutex_unlock(&srt_bdev_lock);
}

static bool module_has_bdevs(struct spdkrt_bdev_module *module)
{
	for (struct spdkrt_bdev *b = spdkrt_bdev_first(); b != NULL; b = spdkrt_bdev_next(b)) {
		if (b->module == &module->base)
			return true;
	}
	return srt_bdev_module_has_releasing(&module->base);
}

struct module_fini {
	struct spdkrt_bdev_module *module;
	spdkrt_bdev_module_done_cb done;
	void *ctx;
};

static void module_fini_done(void *arg)
{
	struct module_fini *f = arg;

	free(f->module);
	if (f->done != NULL)
		f->done(f->ctx);
	free(f);
}

int spdkrt_bdev_module_unregister(struct spdkrt_bdev_module *module,
				  spdkrt_bdev_module_done_cb done, void *ctx)
{
	struct spdkrt_bdev_module *m;
	struct module_fini *f;

	if (module == NULL || srt_current_thread == NULL || module->kept) {
		SRT_ERR("spdkrt_bdev_module_unregister: module is NULL or built in, or not "
			"called on an spdkrt thread");
		return -EINVAL;
	}
	if (module_has_bdevs(module)) {
		SRT_ERR("spdkrt_bdev_module_unregister: module '%s' still has bdevs; destroy "
			"them first",
			module->base.name);
		return -EBUSY;
	}
	f = malloc(sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(m, &g_modules, link) {
		if (m == module)
			break;
	}
	if (m != NULL)
		TAILQ_REMOVE(&g_modules, m, link);
	pthread_mutex_unlock(&srt_bdev_lock);
	if (m == NULL) {
		free(f);
		SRT_ERR("spdkrt_bdev_module_unregister: %p is not a registered module",
			(void *)module);
		return -EINVAL;
	}
	f->module = module;
	f->done = done;
	f->ctx = ctx;
	if (module->ops.fini != NULL)
		module->ops.fini(module, module_fini_done, f);
	else
		module_fini_done(f);
	return 0;
}

struct spdkrt_bdev_module *srt_bdev_module_lookup(const char *name)
{
	struct spdkrt_bdev_module *m;

	pthread_mutex_lock(&srt_bdev_lock);
	m = find_locked(name);
	pthread_mutex_unlock(&srt_bdev_lock);
	return m;
}

struct spdkrt_bdev_module *spdkrt_bdev_module_find(const char *name)
{
	return name != NULL ? srt_bdev_module_lookup(name) : NULL;
}

const char *srt_bdev_module_names(char *buf, size_t size)
{
	struct spdkrt_bdev_module *m;
	size_t len = 0;

	buf[0] = '\0';
	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(m, &g_modules, link) {
		int n = snprintf(buf + len, size - len, "%s%s", len > 0 ? ", " : "", m->base.name);

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	return buf;
}

const char *spdkrt_bdev_module_get_name(const struct spdkrt_bdev_module *module)
{
	return module != NULL ? module->base.name : "";
}

void *spdkrt_bdev_module_get_ctx(const struct spdkrt_bdev_module *module)
{
	return module != NULL ? module->ops.ctx : NULL;
}

int spdkrt_bdev_module_api_version(void)
{
	return SPDKRT_BDEV_MODULE_API_VERSION;
}

const struct srt_bdev_module *srt_bdev_module_base(struct spdkrt_bdev_module *module)
{
	return &module->base;
}

size_t srt_bdev_module_io_ctx_size(const struct spdkrt_bdev_module *module)
{
	return module->ops.io_ctx_size;
}

int srt_bdev_module_create(struct spdkrt_bdev_module *module, struct srt_spec *spec,
			   struct spdkrt_bdev **bdev)
{
	if (module->ops.create == NULL) {
		SRT_ERR("bdev module '%s' creates bdevs only asynchronously "
			"(spdkrt_bdev_create_async)",
			module->base.name);
		return -ENOTSUP;
	}
	return module->ops.create(module, (struct spdkrt_bdev_spec *)spec, bdev);
}

/* Adapts a synchronous create to the asynchronous call: cb runs from the thread's next poll. */
struct sync_create {
	spdkrt_bdev_create_cb cb;
	void *ctx;
	int status;
	struct spdkrt_bdev *bdev;
};

static void sync_create_done(void *arg)
{
	struct sync_create *c = arg;

	c->cb(c->ctx, c->status, c->status == 0 ? &c->bdev : NULL, c->status == 0 ? 1 : 0);
	free(c);
}

int srt_bdev_module_create_async(struct spdkrt_bdev_module *module, struct srt_spec *spec,
				 spdkrt_bdev_create_cb cb, void *ctx)
{
	struct sync_create *c;
	int rc;

	if (module->ops.create_async != NULL)
		return module->ops.create_async(module, (struct spdkrt_bdev_spec *)spec, cb, ctx);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	rc = srt_bdev_module_create(module, spec, &c->bdev);
	if (rc != 0) {
		free(c);
		return rc;
	}
	c->cb = cb;
	c->ctx = ctx;
	srt_thread_send_msg_retry(srt_current_thread, sync_create_done, c);
	return 0;
}

void srt_bdev_module_examine(struct spdkrt_bdev *bdev)
{
	struct spdkrt_bdev_module *m;
	uint64_t seen = 0;

	/* Unlocked calls: examine may register bdevs itself. Modules are only ever appended. */
	for (;;) {
		uint64_t i = 0;

		pthread_mutex_lock(&srt_bdev_lock);
		TAILQ_FOREACH(m, &g_modules, link) {
			if (i++ == seen)
				break;
		}
		pthread_mutex_unlock(&srt_bdev_lock);
		if (m == NULL)
			return;
		seen++;
		if (m->ops.examine != NULL)
			m->ops.examine(m, bdev);
	}
}

/* Spec accessors: the public spec is the parsed srt_spec. */
const char *spdkrt_bdev_spec_get(struct spdkrt_bdev_spec *spec, const char *key)
{
	return spec != NULL && key != NULL ? srt_spec_get((struct srt_spec *)spec, key) : NULL;
}

int spdkrt_bdev_spec_get_str(struct spdkrt_bdev_spec *spec, const char *key, const char **value)
{
	if (spec == NULL || key == NULL || value == NULL) {
		SRT_ERR("spdkrt_bdev_spec_get_str: NULL argument");
		return -EINVAL;
	}
	return srt_spec_get_str((struct srt_spec *)spec, key, value);
}

int spdkrt_bdev_spec_get_u64(struct spdkrt_bdev_spec *spec, const char *key, uint64_t min,
			     uint64_t max, uint64_t *value)
{
	if (spec == NULL || key == NULL || value == NULL) {
		SRT_ERR("spdkrt_bdev_spec_get_u64: NULL argument");
		return -EINVAL;
	}
	return srt_spec_get_u64((struct srt_spec *)spec, key, min, max, value);
}

int spdkrt_bdev_spec_get_bool(struct spdkrt_bdev_spec *spec, const char *key, bool *value)
{
	if (spec == NULL || key == NULL || value == NULL) {
		SRT_ERR("spdkrt_bdev_spec_get_bool: NULL argument");
		return -EINVAL;
	}
	return srt_spec_get_bool((struct srt_spec *)spec, key, value);
}

int spdkrt_bdev_spec_wipe(struct spdkrt_bdev_spec *spec, const char *key)
{
	if (spec == NULL || key == NULL) {
		SRT_ERR("spdkrt_bdev_spec_wipe: spec or key is NULL");
		return -EINVAL;
	}
	return srt_spec_wipe((struct srt_spec *)spec, key);
}

int spdkrt_bdev_spec_check_all_used(struct spdkrt_bdev_spec *spec)
{
	if (spec == NULL) {
		SRT_ERR("spdkrt_bdev_spec_check_all_used: spec is NULL");
		return -EINVAL;
	}
	return srt_spec_check_all_used((struct srt_spec *)spec);
}

/* Unregisters the public modules, last registered first, one at a time (fini may be async). */
struct modules_fini {
	void (*done)(void *ctx);
	void *ctx;
};

static void modules_fini_step(void *arg)
{
	struct modules_fini *all = arg;
	struct spdkrt_bdev_module *m, *last = NULL;

	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_FOREACH(m, &g_modules, link) {
		if (!m->kept)
			last = m;
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	if (last == NULL || spdkrt_bdev_module_unregister(last, modules_fini_step, all) != 0) {
		all->done(all->ctx);
		free(all);
	}
}

void srt_bdev_modules_fini(void (*done)(void *ctx), void *ctx)
{
	struct modules_fini *all = malloc(sizeof(*all));

	if (all == NULL) {
		done(ctx);
		return;
	}
	all->done = done;
	all->ctx = ctx;
	modules_fini_step(all);
}
