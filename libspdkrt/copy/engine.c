/* SPDX-License-Identifier: BSD-3-Clause */
/* Engines by name, reference counted: a backend holds its resources while anyone uses it. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "copy/engine.h"

#define SRT_LOG_COMPONENT "copy"
#include "util/log.h"

struct srt_copy_engine {
	const struct srt_copy_backend *backend;
	unsigned refs;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct srt_copy_engine g_engines[] = {
	{ &srt_copy_cpu_backend, 0 },
	{ &srt_copy_ioat_backend, 0 },
};

int srt_copy_engine_get(const char *name, struct srt_copy_engine **engine)
{
	struct srt_copy_engine *e = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; name != NULL && i < sizeof(g_engines) / sizeof(g_engines[0]); i++)
		if (strcmp(name, g_engines[i].backend->name) == 0)
			e = &g_engines[i];
	if (e == NULL) {
		SRT_ERR("unknown copy engine '%s' (known: %s)", name != NULL ? name : "(null)",
			SRT_COPY_ENGINE_NAMES);
		return -EINVAL;
	}
	pthread_mutex_lock(&g_lock);
	if (e->refs == 0 && e->backend->acquire != NULL)
		rc = e->backend->acquire();
	if (rc == 0)
		e->refs++;
	pthread_mutex_unlock(&g_lock);
	if (rc == 0)
		*engine = e;
	return rc;
}

void srt_copy_engine_put(struct srt_copy_engine *engine)
{
	if (engine == NULL)
		return;
	pthread_mutex_lock(&g_lock);
	if (--engine->refs == 0 && engine->backend->release != NULL)
		engine->backend->release();
	pthread_mutex_unlock(&g_lock);
}

const char *srt_copy_engine_name(const struct srt_copy_engine *engine)
{
	return engine->backend->name;
}

int srt_copy_channel_open(struct srt_copy_engine *engine, struct srt_copy_channel **ch)
{
	return engine->backend->open(ch);
}

void srt_copy_channel_close(struct srt_copy_channel *ch)
{
	if (ch != NULL)
		ch->backend->close(ch);
}
