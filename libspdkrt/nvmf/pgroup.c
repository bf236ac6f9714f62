/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Poll groups: one per spdkrt thread that carries connections. A group's poller reads the
 * sockets that have data (epoll), sends what its queue pairs queued, and runs their timers.
 * It also holds the thread's bdev channel of each namespace its commands used; a namespace
 * being removed is dropped by every group once its commands there are done, and the last
 * group hands it back to the management thread to close.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <errno.h>
#include <stdlib.h>

#include "util/log.h"

static int pgroup_poll(void *ctx)
{
	struct srt_nvmf_pgroup *group = ctx;
	struct srt_nvmf_qpair *q, *tmp;
	uint64_t now = spdkrt_get_ticks();
	int events = srt_sock_group_poll(group->sock_group, 0);

	/* glibc's sys/queue.h has no TAILQ_FOREACH_SAFE; a poll may free q. */
	for (q = TAILQ_FIRST(&group->qpairs); q != NULL; q = tmp) {
		tmp = TAILQ_NEXT(q, link);
		srt_nvmf_qpair_poll(q, now);
	}
	return events > 0 ? 1 : 0;
}

int spdkrt_nvmf_tgt_add_poll_group(struct spdkrt_nvmf_tgt *tgt)
{
	struct spdkrt_thread *thread = spdkrt_get_thread();
	struct srt_nvmf_pgroup *group, *g;
	int rc;

	if (tgt == NULL)
		return srt_nvmf_bad_arg(__func__, "tgt is NULL");
	if (thread == NULL) {
		SRT_ERR("spdkrt_nvmf_tgt_add_poll_group: not on an spdkrt thread");
		return -EPERM;
	}
	group = calloc(1, sizeof(*group));
	if (group == NULL)
		return -ENOMEM;
	group->tgt = tgt;
	group->thread = thread;
	TAILQ_INIT(&group->qpairs);
	TAILQ_INIT(&group->ns_chs);
	rc = srt_sock_group_create(&group->sock_group);
	if (rc != 0) {
		free(group);
		return rc;
	}
	pthread_mutex_lock(&tgt->lock);
	TAILQ_FOREACH(g, &tgt->pgroups, link)
		if (g->thread == thread)
			break;
	if (g != NULL || tgt->destroying) {
		pthread_mutex_unlock(&tgt->lock);
		srt_sock_group_destroy(&group->sock_group);
		free(group);
		return g != NULL ? -EEXIST : -ESHUTDOWN;
	}
	rc = spdkrt_poller_register(pgroup_poll, group, 0, &group->poller);
	if (rc != 0) {
		pthread_mutex_unlock(&tgt->lock);
		srt_sock_group_destroy(&group->sock_group);
		free(group);
		return rc;
	}
	TAILQ_INSERT_TAIL(&tgt->pgroups, group, link);
	tgt->num_pgroups++;
	pthread_mutex_unlock(&tgt->lock);
	return 0;
}

struct srt_nvmf_pg_ns *srt_nvmf_pgroup_get_ns(struct srt_nvmf_pgroup *group,
					      struct spdkrt_nvmf_subsystem *subsys, uint32_t nsid)
{
	struct srt_nvmf_pg_ns *pg;
	struct srt_nvmf_ns *ns;

	TAILQ_FOREACH(pg, &group->ns_chs, link) {
		if (pg->ns->subsys == subsys && pg->ns->nsid == nsid && !pg->dropping) {
			/* Removed, and this group's drop message is still on its way. */
			if (atomic_load_explicit(&pg->ns->removing, memory_order_acquire))
				return NULL;
			pg->inflight++;
			return pg;
		}
	}
	if (nsid == 0 || nsid > SPDKRT_NVMF_MAX_NAMESPACES)
		return NULL;
	/* First use on this thread: the namespace must be active now. */
	pthread_mutex_lock(&group->tgt->lock);
	ns = subsys->ns[nsid - 1];
	pthread_mutex_unlock(&group->tgt->lock);
	if (ns == NULL)
		return NULL;
	pg = calloc(1, sizeof(*pg));
	if (pg == NULL)
		return NULL;
	pg->ch = spdkrt_bdev_get_io_channel(ns->desc);
	if (pg->ch == NULL) {
		SRT_ERR("no channel of bdev %s on thread %s", ns->bdev_name,
			spdkrt_thread_get_name(group->thread));
		free(pg);
		return NULL;
	}
	pg->ns = ns;
	pg->inflight = 1;
	TAILQ_INSERT_TAIL(&group->ns_chs, pg, link);
	return pg;
}

struct release_ctx {
	struct srt_nvmf_pgroup *group;
	struct srt_nvmf_ns *ns;
};

static void ns_released(void *arg)
{
	struct srt_nvmf_ns *ns = arg;

	srt_nvmf_ns_free(ns);
}

/* This group is done with ns; the last group to be sends it back to be closed. */
static void group_done_with_ns(struct spdkrt_nvmf_tgt *tgt, struct srt_nvmf_ns *ns)
{
	if (atomic_fetch_sub(&ns->groups_pending, 1) == 1)
		spdkrt_thread_send_msg(tgt->thread, ns_released, ns);
}

static void drop_entry(struct srt_nvmf_pgroup *group, struct srt_nvmf_pg_ns *pg)
{
	struct srt_nvmf_ns *ns = pg->ns;

	spdkrt_put_io_channel(pg->ch);
	TAILQ_REMOVE(&group->ns_chs, pg, link);
	free(pg);
	group_done_with_ns(group->tgt, ns);
}

void srt_nvmf_pgroup_ns_io_done(struct srt_nvmf_pgroup *group, struct srt_nvmf_pg_ns *pg_ns)
{
	if (pg_ns == NULL)
		return;
	if (--pg_ns->inflight == 0 && pg_ns->dropping)
		drop_entry(group, pg_ns);
}

static void group_drop_ns(void *arg)
{
	struct release_ctx *ctx = arg;
	struct srt_nvmf_pgroup *group = ctx->group;
	struct srt_nvmf_pg_ns *pg;

	TAILQ_FOREACH(pg, &group->ns_chs, link)
		if (pg->ns == ctx->ns)
			break;
	if (pg == NULL)
		group_done_with_ns(group->tgt, ctx->ns);
	else if (pg->inflight > 0)
		pg->dropping = true; /* dropped by its last command's completion */
	else
		drop_entry(group, pg);
	free(ctx);
}

void srt_nvmf_pgroups_release_ns(struct spdkrt_nvmf_tgt *tgt, struct srt_nvmf_ns *ns)
{
	struct srt_nvmf_pgroup *group;

	/* One count for the management thread, so that ns is not freed while messages go out. */
	pthread_mutex_lock(&tgt->lock);
	atomic_store(&ns->groups_pending, tgt->num_pgroups + 1);
	TAILQ_FOREACH(group, &tgt->pgroups, link) {
		struct release_ctx *ctx = malloc(sizeof(*ctx));

		if (ctx != NULL) {
			ctx->group = group;
			ctx->ns = ns;
		}
		if (ctx == NULL || spdkrt_thread_send_msg(group->thread, group_drop_ns, ctx) != 0) {
			SRT_ERR("cannot tell thread %s to release namespace %u",
				spdkrt_thread_get_name(group->thread), ns->nsid);
			free(ctx);
			group_done_with_ns(tgt, ns);
		}
	}
	pthread_mutex_unlock(&tgt->lock);
	group_done_with_ns(tgt, ns);
}

static void group_gone(void *arg)
{
	struct spdkrt_nvmf_tgt *tgt = arg;

	tgt->pgroups_left--;
	srt_nvmf_tgt_maybe_finish_destroy(tgt);
}

/* A stopping group waits for its connections and channels, then frees itself. */
static int pgroup_poll_stopping(void *ctx)
{
	struct srt_nvmf_pgroup *group = ctx;
	struct spdkrt_nvmf_tgt *tgt = group->tgt;
	struct srt_nvmf_qpair *q;

	TAILQ_FOREACH(q, &group->qpairs, link)
		srt_nvmf_qpair_disconnect(q, "the target is going away");
	pgroup_poll(group);
	if (!TAILQ_EMPTY(&group->qpairs) || !TAILQ_EMPTY(&group->ns_chs))
		return 1;
	spdkrt_poller_unregister(&group->poller);
	srt_sock_group_destroy(&group->sock_group);
	pthread_mutex_lock(&tgt->lock);
	TAILQ_REMOVE(&tgt->pgroups, group, link);
	tgt->num_pgroups--;
	pthread_mutex_unlock(&tgt->lock);
	free(group);
	spdkrt_thread_send_msg(tgt->thread, group_gone, tgt);
	return 1;
}

static void group_stop(void *arg)
{
	struct srt_nvmf_pgroup *group = arg;

	group->stopping = true;
	spdkrt_poller_unregister(&group->poller);
	if (spdkrt_poller_register(pgroup_poll_stopping, group, 0, &group->poller) != 0)
		SRT_ERR("cannot stop the poll group on thread %s",
			spdkrt_thread_get_name(group->thread));
}

void srt_nvmf_pgroups_stop(struct spdkrt_nvmf_tgt *tgt)
{
	struct srt_nvmf_pgroup *group;

	pthread_mutex_lock(&tgt->lock);
	tgt->pgroups_left = tgt->num_pgroups;
	TAILQ_FOREACH(group, &tgt->pgroups, link)
		if (spdkrt_thread_send_msg(group->thread, group_stop, group) != 0)
			SRT_ERR("cannot reach thread %s to stop its poll group",
				spdkrt_thread_get_name(group->thread));
	pthread_mutex_unlock(&tgt->lock);
}
