/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The target object: options, listeners and the acceptor that hands each new connection to a
 * poll group (round robin), counters, and the destroy sequence (listeners, subsystems, poll
 * groups, then the target itself).
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sock/tls.h"
#include "util/log.h"

/* How often the acceptor looks for new connections, in microseconds. */
#define ACCEPT_POLL_US 200
#define ACCEPT_BATCH 16

static const struct spdkrt_nvmf_tgt_opts g_default_opts = {
	.size = sizeof(struct spdkrt_nvmf_tgt_opts),
	.max_queue_depth = 128,
	.max_admin_queue_depth = 32,
	.max_io_queues = 16,
	.in_capsule_data_size = 8192,
	.max_io_size = 128 * 1024,
	.c2h_success = false,
	.min_keep_alive_ms = 1000,
};

int srt_nvmf_bad_arg(const char *fn, const char *why)
{
	SRT_ERR("%s: %s", fn, why);
	return -EINVAL;
}

int spdkrt_nvmf_tgt_opts_init(struct spdkrt_nvmf_tgt_opts *opts, size_t size)
{
	if (opts == NULL || size < sizeof(opts->size))
		return srt_nvmf_bad_arg(__func__, "opts is NULL or size is too small");
	memcpy(opts, &g_default_opts, size < sizeof(*opts) ? size : sizeof(*opts));
	opts->size = size;
	return 0;
}

static bool power_of_two(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int check_opts(const struct spdkrt_nvmf_tgt_opts *o)
{
	if (o->max_queue_depth < 2 || o->max_queue_depth > 1024) {
		SRT_ERR("max_queue_depth %u out of 2..1024", o->max_queue_depth);
		return -EINVAL;
	}
	if (o->max_admin_queue_depth < 2 || o->max_admin_queue_depth > 4096) {
		SRT_ERR("max_admin_queue_depth %u out of 2..4096", o->max_admin_queue_depth);
		return -EINVAL;
	}
	if (o->max_io_queues < 1 || o->max_io_queues > 1024) {
		SRT_ERR("max_io_queues %u out of 1..1024", o->max_io_queues);
		return -EINVAL;
	}
	if (o->in_capsule_data_size < 4096 || o->in_capsule_data_size > 131072 ||
	    o->in_capsule_data_size % 16 != 0) {
		SRT_ERR("in_capsule_data_size %u: 4096..131072, a multiple of 16",
			o->in_capsule_data_size);
		return -EINVAL;
	}
	if (o->max_io_size < 4096 || o->max_io_size > 4u << 20 || !power_of_two(o->max_io_size)) {
		SRT_ERR("max_io_size %u: a power of two in 4096..4 MiB", o->max_io_size);
		return -EINVAL;
	}
	return 0;
}

static int subsystem_alloc_discovery(struct spdkrt_nvmf_tgt *tgt)
{
	struct spdkrt_nvmf_subsystem *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -ENOMEM;
	d->tgt = tgt;
	d->discovery = true;
	d->allow_any_host = true;
	d->next_cntlid = 1;
	snprintf(d->nqn, sizeof(d->nqn), "%s", SPDKRT_NVMF_DISCOVERY_NQN);
	snprintf(d->sn, sizeof(d->sn), "spdkrt-discovery");
	snprintf(d->mn, sizeof(d->mn), "spdkrt discovery controller");
	TAILQ_INIT(&d->hosts);
	TAILQ_INIT(&d->ctrlrs);
	tgt->discovery = d;
	return 0;
}

static int accept_poll(void *ctx);

int spdkrt_nvmf_tgt_create(const struct spdkrt_nvmf_tgt_opts *opts, struct spdkrt_nvmf_tgt **out)
{
	struct spdkrt_nvmf_tgt *tgt;
	struct spdkrt_nvmf_tgt_opts o = g_default_opts;
	int rc;

	if (out == NULL)
		return srt_nvmf_bad_arg(__func__, "out is NULL");
	if (opts != NULL && opts->size < sizeof(opts->size))
		return srt_nvmf_bad_arg(__func__, "opts->size is too small (use _opts_init)");
	if (spdkrt_get_thread() == NULL) {
		SRT_ERR("spdkrt_nvmf_tgt_create: not on an spdkrt thread");
		return -EPERM;
	}
	if (opts != NULL)
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
	o.size = sizeof(o);
	rc = check_opts(&o);
	if (rc != 0)
		return rc;
	tgt = calloc(1, sizeof(*tgt));
	if (tgt == NULL)
		return -ENOMEM;
	tgt->opts = o;
	tgt->thread = spdkrt_get_thread();
	pthread_mutex_init(&tgt->lock, NULL);
	TAILQ_INIT(&tgt->subsystems);
	TAILQ_INIT(&tgt->listeners);
	TAILQ_INIT(&tgt->pgroups);
	tgt->discovery_genctr = 1;
	rc = subsystem_alloc_discovery(tgt);
	if (rc == 0)
		rc = spdkrt_poller_register(accept_poll, tgt, ACCEPT_POLL_US, &tgt->accept_poller);
	if (rc != 0) {
		free(tgt->discovery);
		pthread_mutex_destroy(&tgt->lock);
		free(tgt);
		return rc;
	}
	*out = tgt;
	return 0;
}

struct new_conn {
	struct srt_nvmf_pgroup *group;
	struct srt_sock *sock;
	uint16_t portid;
};

static void group_take_conn(void *arg)
{
	struct new_conn *nc = arg;

	if (nc->group->stopping || srt_nvmf_qpair_create(nc->group, nc->sock, nc->portid) != 0) {
		SRT_ERR("dropping a new connection: its poll group cannot take it");
		srt_sock_close(&nc->sock);
	}
	free(nc);
}

static void hand_to_group(struct spdkrt_nvmf_tgt *tgt, struct srt_sock *sock, uint16_t portid)
{
	struct new_conn *nc = malloc(sizeof(*nc));
	struct srt_nvmf_pgroup *group;

	pthread_mutex_lock(&tgt->lock);
	group = tgt->next_pgroup != NULL ? tgt->next_pgroup : TAILQ_FIRST(&tgt->pgroups);
	tgt->next_pgroup = group != NULL ? TAILQ_NEXT(group, link) : NULL;
	if (nc != NULL && group != NULL) {
		nc->group = group;
		nc->sock = sock;
		nc->portid = portid;
		if (spdkrt_thread_send_msg(group->thread, group_take_conn, nc) == 0) {
			pthread_mutex_unlock(&tgt->lock);
			atomic_fetch_add(&tgt->stat_accepted, 1);
			return;
		}
	}
	pthread_mutex_unlock(&tgt->lock);
	SRT_ERR("no poll group can take a new connection (call spdkrt_nvmf_tgt_add_poll_group)");
	free(nc);
	srt_sock_close(&sock);
}

static int accept_poll(void *ctx)
{
	struct spdkrt_nvmf_tgt *tgt = ctx;
	struct srt_nvmf_listener *l;
	int accepted = 0;

	TAILQ_FOREACH(l, &tgt->listeners, link) {
		for (int i = 0; i < ACCEPT_BATCH; i++) {
			struct srt_sock *sock;

			if (srt_sock_accept(l->sock, &sock) != 0)
				break;
			/* The handshake runs on the poll group, as the first reads. */
			if (l->secure &&
			    srt_sock_tls_server_start(sock, srt_nvmf_tls_find_psk, tgt) != 0) {
				SRT_ERR("dropping a connection to secure listener %s port %s: no TLS",
					l->traddr, l->trsvcid);
				srt_sock_close(&sock);
				continue;
			}
			hand_to_group(tgt, sock, l->portid);
			accepted++;
		}
	}
	return accepted > 0 ? 1 : 0;
}

static struct srt_nvmf_listener *find_listener(struct spdkrt_nvmf_tgt *tgt, const char *traddr,
					       const char *trsvcid)
{
	struct srt_nvmf_listener *l;

	TAILQ_FOREACH(l, &tgt->listeners, link)
		if (strcmp(l->traddr, traddr) == 0 && strcmp(l->trsvcid, trsvcid) == 0)
			return l;
	return NULL;
}

static int check_listen_args(const char *fn, struct spdkrt_nvmf_tgt *tgt, const char *trtype,
			     const char *traddr, const char *trsvcid)
{
	if (tgt == NULL || trtype == NULL || traddr == NULL || trsvcid == NULL)
		return srt_nvmf_bad_arg(fn, "tgt, trtype, traddr or trsvcid is NULL");
	if (strcasecmp(trtype, "tcp") != 0) {
		SRT_ERR("%s: transport '%s' is not built (only tcp)", fn, trtype);
		return -EPROTONOSUPPORT;
	}
	if (strlen(traddr) >= SRT_SOCK_ADDR_LEN || strlen(trsvcid) >= 32) {
		SRT_ERR("%s: transport address or service id too long", fn);
		return -EINVAL;
	}
	return 0;
}

int spdkrt_nvmf_listen_opts_init(struct spdkrt_nvmf_listen_opts *opts, size_t size)
{
	if (opts == NULL || size < sizeof(opts->size))
		return srt_nvmf_bad_arg(__func__, "opts is NULL or size is too small");
	memset(opts, 0, size);
	opts->size = size;
	return 0;
}

int spdkrt_nvmf_tgt_listen(struct spdkrt_nvmf_tgt *tgt, const char *trtype, const char *traddr,
			   const char *trsvcid)
{
	return spdkrt_nvmf_tgt_listen_ext(tgt, trtype, traddr, trsvcid, NULL);
}

int spdkrt_nvmf_tgt_listen_ext(struct spdkrt_nvmf_tgt *tgt, const char *trtype, const char *traddr,
			       const char *trsvcid, const struct spdkrt_nvmf_listen_opts *opts)
{
	struct spdkrt_nvmf_listen_opts o = { .size = sizeof(o) };
	struct srt_nvmf_listener *l;
	unsigned port;
	int rc = check_listen_args(__func__, tgt, trtype, traddr, trsvcid);

	if (rc != 0)
		return rc;
	if (opts != NULL && opts->size < sizeof(opts->size))
		return srt_nvmf_bad_arg(__func__, "opts->size is too small");
	if (opts != NULL)
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
	if (find_listener(tgt, traddr, trsvcid) != NULL) {
		SRT_ERR("%s: already listening on %s port %s", __func__, traddr, trsvcid);
		return -EEXIST;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	rc = srt_sock_listen(traddr, trsvcid, &l->sock);
	if (rc != 0) {
		free(l);
		return rc;
	}
	if (srt_sock_get_local(l->sock, NULL, 0, &port) != 0)
		port = 0;
	snprintf(l->traddr, sizeof(l->traddr), "%s", traddr);
	snprintf(l->trsvcid, sizeof(l->trsvcid), "%u", port);
	l->adrfam = srt_sock_family(l->sock) == AF_INET6 ? SPDKRT_NVMF_ADRFAM_IPV6 :
							   SPDKRT_NVMF_ADRFAM_IPV4;
	l->secure = o.secure_channel;
	pthread_mutex_lock(&tgt->lock);
	l->portid = tgt->next_portid++;
	TAILQ_INSERT_TAIL(&tgt->listeners, l, link);
	tgt->discovery_genctr++;
	pthread_mutex_unlock(&tgt->lock);
	SRT_NOTICE("NVMe/TCP target listening on %s port %s%s", l->traddr, l->trsvcid,
		   l->secure ? " (secure channel: TLS 1.3 PSK required)" : "");
	return 0;
}

static void listener_free(struct spdkrt_nvmf_tgt *tgt, struct srt_nvmf_listener *l)
{
	pthread_mutex_lock(&tgt->lock);
	TAILQ_REMOVE(&tgt->listeners, l, link);
	tgt->discovery_genctr++;
	pthread_mutex_unlock(&tgt->lock);
	srt_sock_close(&l->sock);
	free(l);
}

int spdkrt_nvmf_tgt_stop_listen(struct spdkrt_nvmf_tgt *tgt, const char *trtype, const char *traddr,
				const char *trsvcid)
{
	struct srt_nvmf_listener *l;
	int rc = check_listen_args(__func__, tgt, trtype, traddr, trsvcid);

	if (rc != 0)
		return rc;
	l = find_listener(tgt, traddr, trsvcid);
	if (l == NULL) {
		SRT_ERR("%s: not listening on %s port %s", __func__, traddr, trsvcid);
		return -ENOENT;
	}
	listener_free(tgt, l);
	return 0;
}

int spdkrt_nvmf_tgt_get_listener(struct spdkrt_nvmf_tgt *tgt, unsigned index, char *traddr,
				 size_t traddr_len, char *trsvcid, size_t trsvcid_len)
{
	struct srt_nvmf_listener *l;
	int rc = -ENOENT;

	if (tgt == NULL || traddr == NULL || trsvcid == NULL)
		return srt_nvmf_bad_arg(__func__, "tgt, traddr or trsvcid is NULL");
	pthread_mutex_lock(&tgt->lock);
	TAILQ_FOREACH(l, &tgt->listeners, link) {
		if (index-- > 0)
			continue;
		if (strlen(l->traddr) >= traddr_len || strlen(l->trsvcid) >= trsvcid_len) {
			SRT_ERR("%s: buffers of %zu and %zu bytes cannot hold '%s' and '%s'",
				__func__, traddr_len, trsvcid_len, l->traddr, l->trsvcid);
			rc = -EINVAL;
			break;
		}
		strcpy(traddr, l->traddr);
		strcpy(trsvcid, l->trsvcid);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&tgt->lock);
	return rc;
}

bool spdkrt_nvmf_tgt_listener_is_secure(struct spdkrt_nvmf_tgt *tgt, unsigned index)
{
	struct srt_nvmf_listener *l;
	bool secure = false;

	if (tgt == NULL)
		return false;
	pthread_mutex_lock(&tgt->lock);
	TAILQ_FOREACH(l, &tgt->listeners, link) {
		if (index-- == 0) {
			secure = l->secure;
			break;
		}
	}
	pthread_mutex_unlock(&tgt->lock);
	return secure;
}

int spdkrt_nvmf_tgt_get_stats(struct spdkrt_nvmf_tgt *tgt, struct spdkrt_nvmf_stats *stats,
			      size_t size)
{
	struct spdkrt_nvmf_stats s;

	if (tgt == NULL || stats == NULL || size < sizeof(stats->size))
		return srt_nvmf_bad_arg(__func__, "tgt or stats is NULL, or size is too small");
	memset(&s, 0, sizeof(s));
	s.size = size;
	s.connections_accepted = atomic_load(&tgt->stat_accepted);
	s.connections_open = atomic_load(&tgt->stat_open);
	s.controllers = atomic_load(&tgt->stat_ctrlrs);
	s.commands = atomic_load(&tgt->stat_commands);
	s.command_errors = atomic_load(&tgt->stat_errors);
	s.bytes_read = atomic_load(&tgt->stat_read);
	s.bytes_written = atomic_load(&tgt->stat_written);
	s.protocol_errors = atomic_load(&tgt->stat_protocol_errors);
	s.keep_alive_expirations = atomic_load(&tgt->stat_kato_expired);
	memcpy(stats, &s, size < sizeof(s) ? size : sizeof(s));
	return 0;
}

void srt_nvmf_tgt_maybe_finish_destroy(struct spdkrt_nvmf_tgt *tgt)
{
	bool done;

	if (!tgt->destroying)
		return;
	pthread_mutex_lock(&tgt->lock);
	done = tgt->pgroups_left == 0 && tgt->live_ns == 0 && tgt->live_subsys == 0;
	pthread_mutex_unlock(&tgt->lock);
	if (!done)
		return;
	free(tgt->discovery);
	pthread_mutex_destroy(&tgt->lock);
	if (tgt->destroy_done != NULL)
		tgt->destroy_done(tgt->destroy_ctx, 0);
	free(tgt);
}

int spdkrt_nvmf_tgt_destroy(struct spdkrt_nvmf_tgt *tgt, spdkrt_nvmf_done_cb done, void *ctx)
{
	struct spdkrt_nvmf_subsystem *s;
	struct srt_nvmf_listener *l;

	if (tgt == NULL)
		return srt_nvmf_bad_arg(__func__, "tgt is NULL");
	if (tgt->destroying)
		return srt_nvmf_bad_arg(__func__, "the target is already being destroyed");
	if (spdkrt_get_thread() != tgt->thread) {
		SRT_ERR("spdkrt_nvmf_tgt_destroy: call it on the target's thread");
		return -EINVAL;
	}
	tgt->destroying = true;
	tgt->destroy_done = done;
	tgt->destroy_ctx = ctx;
	spdkrt_poller_unregister(&tgt->accept_poller);
	while ((l = TAILQ_FIRST(&tgt->listeners)) != NULL)
		listener_free(tgt, l);
	while ((s = TAILQ_FIRST(&tgt->subsystems)) != NULL)
		spdkrt_nvmf_subsystem_destroy(s);
	/* Discovery controllers go with their connections, when the groups stop. */
	srt_nvmf_pgroups_stop(tgt);
	srt_nvmf_tgt_maybe_finish_destroy(tgt);
	return 0;
}
