/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-subsystem listeners: a subsystem names the target listeners it is reachable on (by
 * port id, which stays unique for the target's life), Connect through any other listener is
 * refused, and the discovery log lists the subsystem only on its own. A subsystem that names
 * none is reachable on every listener, as before listeners could be named.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

bool srt_nvmf_subsystem_listens_on_locked(const struct spdkrt_nvmf_subsystem *subsys,
					  uint16_t portid)
{
	if (subsys->discovery || subsys->num_listeners == 0)
		return true;
	for (unsigned i = 0; i < subsys->num_listeners; i++)
		if (subsys->listener_portids[i] == portid)
			return true;
	return false;
}

static int check_args(const char *fn, const struct spdkrt_nvmf_subsystem *s, const char *trtype,
		      const char *traddr, const char *trsvcid)
{
	if (s == NULL || trtype == NULL || traddr == NULL || trsvcid == NULL)
		return srt_nvmf_bad_arg(fn, "subsystem, trtype, traddr or trsvcid is NULL");
	if (strcasecmp(trtype, "tcp") != 0) {
		SRT_ERR("%s: transport '%s' is not built (only tcp)", fn, trtype);
		return -EINVAL;
	}
	if (s->discovery)
		return srt_nvmf_bad_arg(fn, "the discovery subsystem is on every listener");
	if (spdkrt_get_thread() != s->tgt->thread)
		return srt_nvmf_bad_arg(fn, "call it on the target's thread");
	return 0;
}

/* Under tgt->lock: the port id of the target listener at traddr/trsvcid, or -ENOENT. */
static int find_portid_locked(const struct spdkrt_nvmf_tgt *tgt, const char *traddr,
			      const char *trsvcid)
{
	const struct srt_nvmf_listener *l;

	TAILQ_FOREACH(l, &tgt->listeners, link)
		if (strcmp(l->traddr, traddr) == 0 && strcmp(l->trsvcid, trsvcid) == 0)
			return l->portid;
	return -ENOENT;
}

/* Under tgt->lock: the index of portid among the subsystem's listeners, or -ENOENT. */
static int find_index_locked(const struct spdkrt_nvmf_subsystem *s, uint16_t portid)
{
	for (unsigned i = 0; i < s->num_listeners; i++)
		if (s->listener_portids[i] == portid)
			return (int)i;
	return -ENOENT;
}

int spdkrt_nvmf_subsystem_add_listener(struct spdkrt_nvmf_subsystem *s, const char *trtype,
				       const char *traddr, const char *trsvcid)
{
	int rc = check_args(__func__, s, trtype, traddr, trsvcid), portid;

	if (rc != 0)
		return rc;
	pthread_mutex_lock(&s->tgt->lock);
	portid = find_portid_locked(s->tgt, traddr, trsvcid);
	if (portid < 0)
		rc = -ENOENT;
	else if (find_index_locked(s, (uint16_t)portid) >= 0)
		rc = -EEXIST;
	else if (s->num_listeners == SPDKRT_NVMF_MAX_SUBSYSTEM_LISTENERS)
		rc = -ENOSPC;
	else {
		s->listener_portids[s->num_listeners++] = (uint16_t)portid;
		s->tgt->discovery_genctr++;
	}
	pthread_mutex_unlock(&s->tgt->lock);
	if (rc == -ENOENT)
		SRT_ERR("%s: the target does not listen on %s port %s", __func__, traddr, trsvcid);
	else if (rc == -EEXIST)
		SRT_ERR("%s: %s already listens on %s port %s", __func__, s->nqn, traddr, trsvcid);
	else if (rc == -ENOSPC)
		SRT_ERR("%s: %s has all %u listeners", __func__, s->nqn,
			SPDKRT_NVMF_MAX_SUBSYSTEM_LISTENERS);
	else
		SRT_INFO("%s: reachable on %s port %s", s->nqn, traddr, trsvcid);
	return rc;
}

int spdkrt_nvmf_subsystem_remove_listener(struct spdkrt_nvmf_subsystem *s, const char *trtype,
					  const char *traddr, const char *trsvcid)
{
	int rc = check_args(__func__, s, trtype, traddr, trsvcid), portid, i = -ENOENT;

	if (rc != 0)
		return rc;
	pthread_mutex_lock(&s->tgt->lock);
	portid = find_portid_locked(s->tgt, traddr, trsvcid);
	if (portid >= 0)
		i = find_index_locked(s, (uint16_t)portid);
	if (i >= 0) {
		memmove(&s->listener_portids[i], &s->listener_portids[i + 1],
			(s->num_listeners - (unsigned)i - 1) * sizeof(s->listener_portids[0]));
		s->num_listeners--;
		s->tgt->discovery_genctr++;
	}
	pthread_mutex_unlock(&s->tgt->lock);
	if (i < 0) {
		SRT_ERR("%s: %s does not listen on %s port %s", __func__, s->nqn, traddr, trsvcid);
		return -ENOENT;
	}
	return 0;
}

int spdkrt_nvmf_subsystem_get_listener(const struct spdkrt_nvmf_subsystem *s, unsigned index,
				       char *traddr, size_t traddr_len, char *trsvcid,
				       size_t trsvcid_len)
{
	const struct srt_nvmf_listener *l;
	int rc = -ENOENT;

	if (s == NULL || traddr == NULL || trsvcid == NULL)
		return srt_nvmf_bad_arg(__func__, "subsystem, traddr or trsvcid is NULL");
	pthread_mutex_lock(&s->tgt->lock);
	TAILQ_FOREACH(l, &s->tgt->listeners, link) {
		if (index >= s->num_listeners || l->portid != s->listener_portids[index])
			continue;
		if (strlen(l->traddr) >= traddr_len || strlen(l->trsvcid) >= trsvcid_len) {
			rc = -EINVAL;
			break;
		}
		snprintf(traddr, traddr_len, "%s", l->traddr);
		snprintf(trsvcid, trsvcid_len, "%s", l->trsvcid);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&s->tgt->lock);
	if (rc == -EINVAL)
		SRT_ERR("%s: buffers of %zu and %zu bytes are too small", __func__, traddr_len,
			trsvcid_len);
	return rc;
}
