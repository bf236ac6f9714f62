/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVM subsystems: NQN, serial and model numbers, the hosts allowed to connect, and namespaces
 * backed by bdevs. Changes are made on the management thread under tgt->lock; removing a
 * namespace or a host, or destroying a subsystem, reaches connected controllers (events,
 * disconnection) without waiting for them.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/log.h"

static bool on_mgmt_thread(const struct spdkrt_nvmf_tgt *tgt, const char *fn)
{
	if (spdkrt_get_thread() == tgt->thread)
		return true;
	SRT_ERR("%s: call it on the target's thread", fn);
	return false;
}

/* NVMe qualified names: "nqn." then printable ASCII, at most 223 bytes. */
static bool valid_nqn(const char *nqn)
{
	size_t len;

	if (nqn == NULL)
		return false;
	len = strlen(nqn);
	if (len < 5 || len > SPDKRT_NVMF_NQN_MAX_LEN || strncmp(nqn, "nqn.", 4) != 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isgraph((unsigned char)nqn[i]))
			return false;
	return true;
}

struct spdkrt_nvmf_subsystem *srt_nvmf_find_subsystem_locked(struct spdkrt_nvmf_tgt *tgt,
							     const char *nqn)
{
	struct spdkrt_nvmf_subsystem *s;

	if (strcmp(nqn, SPDKRT_NVMF_DISCOVERY_NQN) == 0)
		return tgt->discovery;
	TAILQ_FOREACH(s, &tgt->subsystems, link)
		if (strcmp(s->nqn, nqn) == 0)
			return s;
	return NULL;
}

struct srt_nvmf_host *srt_nvmf_subsystem_find_host_locked(struct spdkrt_nvmf_subsystem *subsys,
							  const char *hostnqn)
{
	struct srt_nvmf_host *h;

	TAILQ_FOREACH(h, &subsys->hosts, link)
		if (strcmp(h->nqn, hostnqn) == 0)
			return h;
	return NULL;
}

static void host_free(struct srt_nvmf_host *h)
{
	OPENSSL_cleanse(&h->psk, sizeof(h->psk));
	free(h);
}

bool srt_nvmf_subsystem_host_allowed(struct spdkrt_nvmf_subsystem *subsys, const char *hostnqn)
{
	struct srt_nvmf_host *h;

	if (subsys->allow_any_host)
		return true;
	TAILQ_FOREACH(h, &subsys->hosts, link)
		if (strcmp(h->nqn, hostnqn) == 0)
			return true;
	return false;
}

int spdkrt_nvmf_subsystem_create(struct spdkrt_nvmf_tgt *tgt, const char *nqn,
				 struct spdkrt_nvmf_subsystem **out)
{
	static atomic_uint serial;
	struct spdkrt_nvmf_subsystem *s;

	if (tgt == NULL)
		return srt_nvmf_bad_arg(__func__, "tgt is NULL");
	if (!on_mgmt_thread(tgt, __func__))
		return -EINVAL;
	if (tgt->destroying)
		return srt_nvmf_bad_arg(__func__, "the target is being destroyed");
	if (!valid_nqn(nqn) || strcmp(nqn, SPDKRT_NVMF_DISCOVERY_NQN) == 0) {
		SRT_ERR("'%s' is not a subsystem NQN (nqn.<date>.<domain>:<name>, at most %u bytes)",
			nqn != NULL ? nqn : "(null)", SPDKRT_NVMF_NQN_MAX_LEN);
		return -EINVAL;
	}
	pthread_mutex_lock(&tgt->lock);
	if (srt_nvmf_find_subsystem_locked(tgt, nqn) != NULL) {
		pthread_mutex_unlock(&tgt->lock);
		SRT_ERR("subsystem %s already exists", nqn);
		return -EEXIST;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		pthread_mutex_unlock(&tgt->lock);
		return -ENOMEM;
	}
	s->tgt = tgt;
	snprintf(s->nqn, sizeof(s->nqn), "%s", nqn);
	snprintf(s->sn, sizeof(s->sn), "SPDKRT%014u", atomic_fetch_add(&serial, 1) + 1);
	snprintf(s->mn, sizeof(s->mn), "spdkrt bdev controller");
	s->next_cntlid = 1;
	TAILQ_INIT(&s->hosts);
	TAILQ_INIT(&s->ctrlrs);
	TAILQ_INSERT_TAIL(&tgt->subsystems, s, link);
	tgt->live_subsys++;
	tgt->discovery_genctr++;
	pthread_mutex_unlock(&tgt->lock);
	if (out != NULL)
		*out = s;
	return 0;
}

static void subsystem_free_locked(struct spdkrt_nvmf_subsystem *s)
{
	struct srt_nvmf_host *h;

	while ((h = TAILQ_FIRST(&s->hosts)) != NULL) {
		TAILQ_REMOVE(&s->hosts, h, link);
		host_free(h);
	}
	s->tgt->live_subsys--;
	free(s);
}

void srt_nvmf_subsystem_unref_locked(struct spdkrt_nvmf_subsystem *subsys)
{
	if (--subsys->refs == 0 && subsys->destroyed)
		subsystem_free_locked(subsys);
}

/* Fail every controller of subsys whose host matches (NULL: all). Under tgt->lock. */
static void fail_ctrlrs_locked(struct spdkrt_nvmf_subsystem *subsys, const char *hostnqn)
{
	struct srt_nvmf_ctrlr *c;

	TAILQ_FOREACH(c, &subsys->ctrlrs, link)
		if (hostnqn == NULL || strcmp(c->hostnqn, hostnqn) == 0)
			atomic_store(&c->failed, true);
}

static struct srt_nvmf_ns *take_ns_locked(struct spdkrt_nvmf_subsystem *s, uint32_t nsid)
{
	struct srt_nvmf_ns *ns = s->ns[nsid - 1];

	if (ns == NULL)
		return NULL;
	s->ns[nsid - 1] = NULL;
	atomic_store_explicit(&ns->removing, true, memory_order_release);
	srt_nvmf_subsystem_ns_changed(s, nsid);
	return ns;
}

int spdkrt_nvmf_subsystem_destroy(struct spdkrt_nvmf_subsystem *s)
{
	struct spdkrt_nvmf_tgt *tgt;
	struct srt_nvmf_ns *removed[SPDKRT_NVMF_MAX_NAMESPACES];
	unsigned n = 0;

	if (s == NULL)
		return srt_nvmf_bad_arg(__func__, "subsystem is NULL");
	if (!on_mgmt_thread(s->tgt, __func__))
		return -EINVAL;
	tgt = s->tgt;
	pthread_mutex_lock(&tgt->lock);
	TAILQ_REMOVE(&tgt->subsystems, s, link);
	s->destroyed = true;
	tgt->discovery_genctr++;
	fail_ctrlrs_locked(s, NULL);
	for (uint32_t nsid = 1; nsid <= SPDKRT_NVMF_MAX_NAMESPACES; nsid++) {
		struct srt_nvmf_ns *ns = take_ns_locked(s, nsid);

		if (ns != NULL)
			removed[n++] = ns;
	}
	if (s->refs == 0)
		subsystem_free_locked(s);
	pthread_mutex_unlock(&tgt->lock);
	for (unsigned i = 0; i < n; i++)
		srt_nvmf_pgroups_release_ns(tgt, removed[i]);
	return 0;
}

struct spdkrt_nvmf_subsystem *spdkrt_nvmf_tgt_find_subsystem(struct spdkrt_nvmf_tgt *tgt,
							     const char *nqn)
{
	struct spdkrt_nvmf_subsystem *s;

	if (tgt == NULL || nqn == NULL)
		return NULL;
	pthread_mutex_lock(&tgt->lock);
	s = srt_nvmf_find_subsystem_locked(tgt, nqn);
	pthread_mutex_unlock(&tgt->lock);
	return s == tgt->discovery ? NULL : s;
}

struct spdkrt_nvmf_subsystem *spdkrt_nvmf_subsystem_next(struct spdkrt_nvmf_tgt *tgt,
							 struct spdkrt_nvmf_subsystem *prev)
{
	struct spdkrt_nvmf_subsystem *s;

	if (tgt == NULL)
		return NULL;
	pthread_mutex_lock(&tgt->lock);
	s = prev == NULL ? TAILQ_FIRST(&tgt->subsystems) : TAILQ_NEXT(prev, link);
	pthread_mutex_unlock(&tgt->lock);
	return s;
}

const char *spdkrt_nvmf_subsystem_get_nqn(const struct spdkrt_nvmf_subsystem *s)
{
	return s == NULL ? "" : s->nqn;
}

/* Identify strings: printable ASCII. */
static int set_ascii(const char *fn, struct spdkrt_nvmf_subsystem *s, char *dst, size_t dst_size,
		     const char *src, const char *what)
{
	if (s == NULL || src == NULL)
		return srt_nvmf_bad_arg(fn, "subsystem or string is NULL");
	if (strlen(src) == 0 || strlen(src) >= dst_size) {
		SRT_ERR("%s: %s '%s': 1..%zu characters", fn, what, src, dst_size - 1);
		return -EINVAL;
	}
	for (const char *p = src; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			SRT_ERR("%s: %s: printable ASCII only", fn, what);
			return -EINVAL;
		}
	}
	pthread_mutex_lock(&s->tgt->lock);
	snprintf(dst, dst_size, "%s", src);
	pthread_mutex_unlock(&s->tgt->lock);
	return 0;
}

int spdkrt_nvmf_subsystem_set_serial_number(struct spdkrt_nvmf_subsystem *s, const char *sn)
{
	return set_ascii(__func__, s, s != NULL ? s->sn : NULL, sizeof(s->sn), sn, "serial number");
}

const char *spdkrt_nvmf_subsystem_get_serial_number(const struct spdkrt_nvmf_subsystem *s)
{
	return s == NULL ? "" : s->sn;
}

int spdkrt_nvmf_subsystem_set_model_number(struct spdkrt_nvmf_subsystem *s, const char *mn)
{
	return set_ascii(__func__, s, s != NULL ? s->mn : NULL, sizeof(s->mn), mn, "model number");
}

const char *spdkrt_nvmf_subsystem_get_model_number(const struct spdkrt_nvmf_subsystem *s)
{
	return s == NULL ? "" : s->mn;
}

int spdkrt_nvmf_subsystem_set_allow_any_host(struct spdkrt_nvmf_subsystem *s, bool allow)
{
	if (s == NULL)
		return srt_nvmf_bad_arg(__func__, "subsystem is NULL");
	pthread_mutex_lock(&s->tgt->lock);
	s->allow_any_host = allow;
	s->tgt->discovery_genctr++;
	pthread_mutex_unlock(&s->tgt->lock);
	return 0;
}

bool spdkrt_nvmf_subsystem_get_allow_any_host(const struct spdkrt_nvmf_subsystem *s)
{
	return s != NULL && s->allow_any_host;
}

int spdkrt_nvmf_host_opts_init(struct spdkrt_nvmf_host_opts *opts, size_t size)
{
	if (opts == NULL || size < sizeof(opts->size))
		return srt_nvmf_bad_arg(__func__, "opts is NULL or size is too small");
	memset(opts, 0, size);
	opts->size = size;
	return 0;
}

int spdkrt_nvmf_subsystem_add_host(struct spdkrt_nvmf_subsystem *s, const char *hostnqn)
{
	return spdkrt_nvmf_subsystem_add_host_ext(s, hostnqn, NULL);
}

int spdkrt_nvmf_subsystem_add_host_ext(struct spdkrt_nvmf_subsystem *s, const char *hostnqn,
				       const struct spdkrt_nvmf_host_opts *opts)
{
	struct spdkrt_nvmf_host_opts o = { .size = sizeof(o) };
	struct srt_nvmf_host *h;

	if (s == NULL)
		return srt_nvmf_bad_arg(__func__, "subsystem is NULL");
	if (opts != NULL && opts->size < sizeof(opts->size))
		return srt_nvmf_bad_arg(__func__, "opts->size is too small");
	if (!valid_nqn(hostnqn)) {
		SRT_ERR("%s: '%s' is not a host NQN", __func__,
			hostnqn != NULL ? hostnqn : "(null)");
		return -EINVAL;
	}
	if (opts != NULL)
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	if (o.psk != NULL) {
		if (s->discovery || srt_tls_psk_parse(o.psk, &h->psk) != 0) {
			SRT_ERR("host %s on %s: %s", hostnqn, s->nqn,
				s->discovery ? "the discovery subsystem takes no PSK" :
					       "the TLS PSK is not a valid interchange-format key");
			host_free(h);
			return -EINVAL;
		}
		h->has_psk = true;
	}
	snprintf(h->nqn, sizeof(h->nqn), "%s", hostnqn);
	pthread_mutex_lock(&s->tgt->lock);
	if (srt_nvmf_subsystem_find_host_locked(s, hostnqn) != NULL) {
		pthread_mutex_unlock(&s->tgt->lock);
		host_free(h);
		SRT_ERR("%s: %s already allows host %s", __func__, s->nqn, hostnqn);
		return -EEXIST;
	}
	TAILQ_INSERT_TAIL(&s->hosts, h, link);
	s->tgt->discovery_genctr++;
	pthread_mutex_unlock(&s->tgt->lock);
	return 0;
}

int spdkrt_nvmf_subsystem_remove_host(struct spdkrt_nvmf_subsystem *s, const char *hostnqn)
{
	struct srt_nvmf_host *h;

	if (s == NULL || hostnqn == NULL)
		return srt_nvmf_bad_arg(__func__, "subsystem or hostnqn is NULL");
	pthread_mutex_lock(&s->tgt->lock);
	TAILQ_FOREACH(h, &s->hosts, link)
		if (strcmp(h->nqn, hostnqn) == 0)
			break;
	if (h != NULL) {
		TAILQ_REMOVE(&s->hosts, h, link);
		host_free(h);
		if (!s->allow_any_host)
			fail_ctrlrs_locked(s, hostnqn);
		s->tgt->discovery_genctr++;
	}
	pthread_mutex_unlock(&s->tgt->lock);
	if (h == NULL) {
		SRT_ERR("%s: host %s is not on the list of %s", __func__, hostnqn, s->nqn);
		return -ENOENT;
	}
	return 0;
}

bool spdkrt_nvmf_subsystem_host_has_psk(const struct spdkrt_nvmf_subsystem *s, const char *hostnqn)
{
	const struct srt_nvmf_host *h;
	bool has = false;

	if (s == NULL || hostnqn == NULL)
		return false;
	pthread_mutex_lock(&s->tgt->lock);
	TAILQ_FOREACH(h, &s->hosts, link)
		if (strcmp(h->nqn, hostnqn) == 0)
			has = h->has_psk;
	pthread_mutex_unlock(&s->tgt->lock);
	return has;
}

const char *spdkrt_nvmf_subsystem_get_host(const struct spdkrt_nvmf_subsystem *s, unsigned index)
{
	const struct srt_nvmf_host *h;

	if (s == NULL)
		return NULL;
	TAILQ_FOREACH(h, &s->hosts, link)
		if (index-- == 0)
			return h->nqn;
	return NULL;
}

int spdkrt_nvmf_ns_opts_init(struct spdkrt_nvmf_ns_opts *opts, size_t size)
{
	if (opts == NULL || size < sizeof(opts->size))
		return srt_nvmf_bad_arg(__func__, "opts is NULL or size is too small");
	memset(opts, 0, size);
	opts->size = size;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* A stable UUID from the subsystem NQN and bdev name (FNV-1a), marked as RFC 4122 variant. */
static void derive_uuid(uint8_t uuid[16], const char *nqn, const char *bdev)
{
	uint64_t h[2] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull };

	for (int k = 0; k < 2; k++) {
		for (const char *p = nqn; *p != '\0'; p++)
			h[k] = (h[k] ^ (uint8_t)*p) * 0x100000001b3ull;
		h[k] = (h[k] ^ '/') * 0x100000001b3ull;
		for (const char *p = bdev; *p != '\0'; p++)
			h[k] = (h[k] ^ (uint8_t)*p) * 0x100000001b3ull;
	}
	memcpy(uuid, h, 16);
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x80); /* version 8: custom */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
}

static void ns_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	struct srt_nvmf_ns *ns = ctx;

	(void)bdev;
	if (type != SPDKRT_BDEV_EVENT_REMOVE || atomic_load(&ns->removing))
		return;
	SRT_NOTICE("bdev %s is going away: removing namespace %u of %s", ns->bdev_name, ns->nsid,
		   ns->subsys->nqn);
	spdkrt_nvmf_subsystem_remove_ns(ns->subsys, ns->nsid);
}

int spdkrt_nvmf_subsystem_add_ns(struct spdkrt_nvmf_subsystem *s, const char *bdev_name,
				 const struct spdkrt_nvmf_ns_opts *opts, uint32_t *nsid_out)
{
	struct spdkrt_nvmf_ns_opts o;
	struct spdkrt_bdev *bdev;
	struct srt_nvmf_ns *ns;
	uint32_t nsid;
	int rc;

	if (s == NULL || bdev_name == NULL)
		return srt_nvmf_bad_arg(__func__, "subsystem or bdev_name is NULL");
	if (s->discovery)
		return srt_nvmf_bad_arg(__func__, "the discovery subsystem has no namespaces");
	if (!on_mgmt_thread(s->tgt, __func__))
		return -EINVAL;
	spdkrt_nvmf_ns_opts_init(&o, sizeof(o));
	if (opts != NULL) {
		if (opts->size < sizeof(opts->size))
			return srt_nvmf_bad_arg(__func__,
						"opts->size is too small (use _opts_init)");
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
	}
	if (o.nsid > SPDKRT_NVMF_MAX_NAMESPACES) {
		SRT_ERR("namespace id %u out of 1..%u", o.nsid, SPDKRT_NVMF_MAX_NAMESPACES);
		return -EINVAL;
	}
	if (strlen(bdev_name) >= sizeof(ns->bdev_name) ||
	    (bdev = spdkrt_bdev_get_by_name(bdev_name)) == NULL) {
		SRT_ERR("no bdev named '%s'", bdev_name);
		return -ENODEV;
	}
	pthread_mutex_lock(&s->tgt->lock);
	nsid = o.nsid;
	for (uint32_t i = 1; nsid == 0 && i <= SPDKRT_NVMF_MAX_NAMESPACES; i++)
		if (s->ns[i - 1] == NULL)
			nsid = i;
	pthread_mutex_unlock(&s->tgt->lock);
	if (nsid == 0) {
		SRT_ERR("%s has all %u namespace ids in use", s->nqn, SPDKRT_NVMF_MAX_NAMESPACES);
		return -ENOSPC;
	}
	if (s->ns[nsid - 1] != NULL) {
		SRT_ERR("%s already has namespace %u", s->nqn, nsid);
		return -EEXIST;
	}
	ns = calloc(1, sizeof(*ns));
	if (ns == NULL)
		return -ENOMEM;
	ns->tgt = s->tgt;
	ns->subsys = s;
	ns->nsid = nsid;
	pthread_mutex_init(&ns->resv_lock, NULL);
	snprintf(ns->bdev_name, sizeof(ns->bdev_name), "%s", bdev_name);
	rc = spdkrt_bdev_open(bdev_name, true, ns_event, ns, &ns->desc);
	if (rc != 0) {
		SRT_ERR("cannot open bdev %s for namespace %u of %s: %s", bdev_name, nsid, s->nqn,
			strerror(-rc));
		pthread_mutex_destroy(&ns->resv_lock);
		free(ns);
		return rc;
	}
	ns->block_size = spdkrt_bdev_get_block_size(bdev);
	ns->num_blocks = spdkrt_bdev_get_num_blocks(bdev);
	if (all_zero(o.uuid, sizeof(o.uuid)))
		derive_uuid(ns->uuid, s->nqn, bdev_name);
	else
		memcpy(ns->uuid, o.uuid, sizeof(ns->uuid));
	memcpy(ns->nguid, all_zero(o.nguid, sizeof(o.nguid)) ? ns->uuid : o.nguid,
	       sizeof(ns->nguid));
	pthread_mutex_lock(&s->tgt->lock);
	s->ns[nsid - 1] = ns;
	s->tgt->live_ns++;
	srt_nvmf_subsystem_ns_changed(s, nsid);
	pthread_mutex_unlock(&s->tgt->lock);
	SRT_INFO("%s: namespace %u is bdev %s", s->nqn, nsid, bdev_name);
	if (nsid_out != NULL)
		*nsid_out = nsid;
	return 0;
}

int spdkrt_nvmf_subsystem_remove_ns(struct spdkrt_nvmf_subsystem *s, uint32_t nsid)
{
	struct srt_nvmf_ns *ns;

	if (s == NULL)
		return srt_nvmf_bad_arg(__func__, "subsystem is NULL");
	if (nsid == 0 || nsid > SPDKRT_NVMF_MAX_NAMESPACES) {
		SRT_ERR("%s: namespace id %u out of 1..%u", __func__, nsid,
			SPDKRT_NVMF_MAX_NAMESPACES);
		return -EINVAL;
	}
	if (!on_mgmt_thread(s->tgt, __func__))
		return -EINVAL;
	pthread_mutex_lock(&s->tgt->lock);
	ns = take_ns_locked(s, nsid);
	pthread_mutex_unlock(&s->tgt->lock);
	if (ns == NULL) {
		SRT_ERR("%s: %s has no namespace %u", __func__, s->nqn, nsid);
		return -ENOENT;
	}
	SRT_INFO("%s: namespace %u (bdev %s) removed", s->nqn, nsid, ns->bdev_name);
	srt_nvmf_pgroups_release_ns(s->tgt, ns);
	return 0;
}

void srt_nvmf_ns_free(struct srt_nvmf_ns *ns)
{
	struct spdkrt_nvmf_tgt *tgt = ns->tgt;

	spdkrt_bdev_close(ns->desc);
	pthread_mutex_lock(&tgt->lock);
	tgt->live_ns--;
	pthread_mutex_unlock(&tgt->lock);
	pthread_mutex_destroy(&ns->resv_lock);
	free(ns);
	srt_nvmf_tgt_maybe_finish_destroy(tgt);
}

uint32_t spdkrt_nvmf_subsystem_next_nsid(const struct spdkrt_nvmf_subsystem *s, uint32_t prev)
{
	if (s == NULL)
		return 0;
	for (uint32_t nsid = prev + 1; nsid <= SPDKRT_NVMF_MAX_NAMESPACES; nsid++)
		if (s->ns[nsid - 1] != NULL)
			return nsid;
	return 0;
}

const char *spdkrt_nvmf_subsystem_get_ns_bdev_name(const struct spdkrt_nvmf_subsystem *s,
						   uint32_t nsid)
{
	if (s == NULL || nsid == 0 || nsid > SPDKRT_NVMF_MAX_NAMESPACES || s->ns[nsid - 1] == NULL)
		return NULL;
	return s->ns[nsid - 1]->bdev_name;
}
