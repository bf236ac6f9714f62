/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The target's secure channel (NVMe TP 8011): a secure listener's connections speak TLS 1.3
 * with the PSK added for the host on the subsystem its PSK identity names. The key is found
 * during the handshake (on the poll group's thread, under tgt->lock), and Connect then holds
 * the host to that identity: a TLS connection carries only the host and subsystem its key was
 * made for, and a host that has a key never connects without TLS. The discovery subsystem
 * accepts an identity naming it with any key the host has on some subsystem.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sock/tls.h"
#include "util/log.h"

/* Under tgt->lock: the configured PSK of hostnqn for subnqn (discovery: on any subsystem). */
static bool find_host_psk_locked(struct spdkrt_nvmf_tgt *tgt, const char *hostnqn,
				 const char *subnqn, struct srt_tls_psk *psk)
{
	struct spdkrt_nvmf_subsystem *s;
	struct srt_nvmf_host *h;

	TAILQ_FOREACH(s, &tgt->subsystems, link) {
		if (strcmp(subnqn, SPDKRT_NVMF_DISCOVERY_NQN) != 0 && strcmp(s->nqn, subnqn) != 0)
			continue;
		h = srt_nvmf_subsystem_find_host_locked(s, hostnqn);
		if (h != NULL && h->has_psk) {
			*psk = h->psk;
			return true;
		}
	}
	return false;
}

int srt_nvmf_tls_find_psk(void *ctx, const char *identity, uint8_t *key, size_t *key_len)
{
	char host[SRT_TLS_PSK_IDENTITY_MAX], sub[SRT_TLS_PSK_IDENTITY_MAX];
	struct spdkrt_nvmf_tgt *tgt = ctx;
	struct srt_tls_psk psk;
	bool found;
	int hash, rc;

	if (srt_tls_psk_identity_parse(identity, &hash, host, sub) != 0) {
		SRT_ERR("TLS PSK identity '%s' is not NVMe0R0<h> <hostnqn> <subnqn>", identity);
		return -EINVAL;
	}
	pthread_mutex_lock(&tgt->lock);
	found = find_host_psk_locked(tgt, host, sub, &psk);
	pthread_mutex_unlock(&tgt->lock);
	if (!found) {
		SRT_ERR("no TLS PSK for host %s on %s", host, sub);
		return -ENOENT;
	}
	if (srt_tls_psk_cipher_hash(&psk) != hash) {
		SRT_ERR("host %s asks for a SHA-%s PSK on %s; its key is for SHA-%s", host,
			hash == 2 ? "384" : "256", sub, psk.len == 48 ? "384" : "256");
		rc = -ENOENT;
	} else {
		*key_len = psk.len;
		rc = srt_tls_psk_derive_tls(&psk, host, identity, key);
	}
	OPENSSL_cleanse(&psk, sizeof(psk));
	return rc;
}

bool srt_nvmf_secure_channel_allows(struct srt_nvmf_qpair *q, struct spdkrt_nvmf_subsystem *subsys,
				    const char *hostnqn)
{
	char id_host[SRT_TLS_PSK_IDENTITY_MAX], id_sub[SRT_TLS_PSK_IDENTITY_MAX];
	const char *identity;
	struct srt_nvmf_host *h;
	int hash;

	if (!srt_sock_is_tls(q->sock)) {
		h = srt_nvmf_subsystem_find_host_locked(subsys, hostnqn);
		if (h != NULL && h->has_psk) {
			SRT_ERR("%s: host %s has a TLS PSK on %s and must connect over TLS",
				q->peer, hostnqn, subsys->nqn);
			return false;
		}
		return true;
	}
	identity = srt_sock_tls_identity(q->sock);
	if (identity == NULL || srt_tls_psk_identity_parse(identity, &hash, id_host, id_sub) != 0 ||
	    strcmp(id_host, hostnqn) != 0 || strcmp(id_sub, subsys->nqn) != 0) {
		SRT_ERR("%s: Connect of host %s to %s over TLS with PSK identity '%s' of another "
			"host or subsystem",
			q->peer, hostnqn, subsys->nqn, identity != NULL ? identity : "");
		return false;
	}
	return true;
}
