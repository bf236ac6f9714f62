/* SPDX-License-Identifier: BSD-3-Clause */
/* The bdevs the daemon made (from the configuration or RPC), with their specs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

int daemon_bdev_create(const char *spec, const char **name)
{
	struct spdkrt_bdev *bdev;
	struct daemon_bdev *d, **tail;
	int rc = spdkrt_bdev_create(spec, &bdev);

	if (rc != 0)
		return rc;
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->name = strdup(spdkrt_bdev_get_name(bdev))) == NULL ||
	    (d->spec = strdup(spec)) == NULL) {
		if (d != NULL) {
			free(d->name);
			free(d);
		}
		spdkrt_bdev_destroy(spdkrt_bdev_get_name(bdev), NULL, NULL);
		return -ENOMEM;
	}
	/* Kept in creation order: save_config writes bases before the bdevs built on them. */
	for (tail = &g_daemon.bdevs; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = d;
	if (name != NULL)
		*name = d->name;
	return 0;
}

static void forget(const char *name)
{
	for (struct daemon_bdev **p = &g_daemon.bdevs; *p != NULL; p = &(*p)->next) {
		if (strcmp((*p)->name, name) == 0) {
			struct daemon_bdev *d = *p;

			*p = d->next;
			free(d->name);
			free(d->spec);
			free(d);
			return;
		}
	}
}

int daemon_bdev_destroy(const char *name, spdkrt_bdev_done_cb done, void *ctx)
{
	int rc = spdkrt_bdev_destroy(name, done, ctx);

	if (rc == 0)
		forget(name);
	return rc;
}

struct destroy_all {
	void (*done)(void *ctx);
	void *ctx;
};

static void destroy_next(void *arg, int status)
{
	struct destroy_all *all = arg;
	struct daemon_bdev *last = g_daemon.bdevs;

	(void)status;
	if (last == NULL) {
		all->done(all->ctx);
		free(all);
		return;
	}
	while (last->next != NULL)
		last = last->next;
	{
		char *name = strdup(last->name);

		if (name == NULL || daemon_bdev_destroy(name, destroy_next, all) != 0) {
			/* Already gone (a vbdev's base took it along): go on. */
			forget(last->name);
			free(name);
			destroy_next(all, 0);
			return;
		}
		free(name);
	}
}

void daemon_bdevs_destroy_all(void (*done)(void *ctx), void *ctx)
{
	struct destroy_all *all = malloc(sizeof(*all));

	if (all == NULL) {
		done(ctx);
		return;
	}
	all->done = done;
	all->ctx = ctx;
	destroy_next(all, 0);
}
