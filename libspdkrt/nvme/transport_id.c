/* SPDX-License-Identifier: BSD-3-Clause */
/* Transport IDs in SPDK's text form: "trtype:PCIe traddr:0000:00:04.0", key:value pairs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

static int copy_value(char *dst, size_t size, const char *src, size_t len, const char *key)
{
	if (len == 0 || len >= size) {
		SRT_ERR("nvme transport ID: %s value is empty or longer than %zu", key, size - 1);
		return -EINVAL;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static int parse_pair(struct spdkrt_nvme_transport_id *trid, const char *key, size_t klen,
		      const char *val, size_t vlen)
{
	char v[SPDKRT_NVME_TRADDR_MAX];

	if (copy_value(v, sizeof(v), val, vlen, "a") != 0)
		return -EINVAL;
	if (klen == 6 && strncasecmp(key, "trtype", 6) == 0) {
		if (strcasecmp(v, "PCIe") == 0)
			trid->trtype = SPDKRT_NVME_TRANSPORT_PCIE;
		else if (strcasecmp(v, "TCP") == 0)
			trid->trtype = SPDKRT_NVME_TRANSPORT_TCP;
		else {
			SRT_ERR("nvme transport ID: unknown trtype '%s' (PCIe or TCP)", v);
			return -EINVAL;
		}
		return 0;
	}
	if (klen == 6 && strncasecmp(key, "adrfam", 6) == 0) {
		if (strcasecmp(v, "IPv4") == 0)
			trid->adrfam = SPDKRT_NVMF_ADRFAM_IPV4;
		else if (strcasecmp(v, "IPv6") == 0)
			trid->adrfam = SPDKRT_NVMF_ADRFAM_IPV6;
		else {
			SRT_ERR("nvme transport ID: unknown adrfam '%s' (IPv4 or IPv6)", v);
			return -EINVAL;
		}
		return 0;
	}
	if (klen == 6 && strncasecmp(key, "traddr", 6) == 0)
		return copy_value(trid->traddr, sizeof(trid->traddr), val, vlen, "traddr");
	if (klen == 7 && strncasecmp(key, "trsvcid", 7) == 0)
		return copy_value(trid->trsvcid, sizeof(trid->trsvcid), val, vlen, "trsvcid");
	if (klen == 6 && strncasecmp(key, "subnqn", 6) == 0)
		return copy_value(trid->subnqn, sizeof(trid->subnqn), val, vlen, "subnqn");
	SRT_ERR("nvme transport ID: unknown key '%.*s'", (int)klen, key);
	return -EINVAL;
}

int spdkrt_nvme_transport_id_parse(struct spdkrt_nvme_transport_id *trid, const char *text)
{
	const char *p = text;

	if (trid == NULL || text == NULL) {
		SRT_ERR("%s: NULL argument", __func__);
		return -EINVAL;
	}
	memset(trid, 0, sizeof(*trid));
	while (*p != '\0') {
		const char *key, *colon, *val;
		size_t klen;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		key = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		colon = memchr(key, ':', (size_t)(p - key));
		if (colon == NULL) {
			SRT_ERR("nvme transport ID: '%.*s' is not key:value", (int)(p - key), key);
			return -EINVAL;
		}
		klen = (size_t)(colon - key);
		val = colon + 1;
		if (parse_pair(trid, key, klen, val, (size_t)(p - val)) != 0)
			return -EINVAL;
	}
	if (trid->trtype == 0) {
		SRT_ERR("nvme transport ID '%s' has no trtype", text);
		return -EINVAL;
	}
	return 0;
}

int spdkrt_nvme_transport_id_fmt(const struct spdkrt_nvme_transport_id *trid, char *buf,
				 size_t size)
{
	int n;

	if (trid == NULL || buf == NULL)
		return nvme_bad_arg(__func__, "trid or buf is NULL");
	if (trid->trtype == SPDKRT_NVME_TRANSPORT_PCIE)
		n = snprintf(buf, size, "trtype:PCIe traddr:%s", trid->traddr);
	else
		n = snprintf(buf, size, "trtype:TCP adrfam:%s traddr:%s trsvcid:%s subnqn:%s",
			     trid->adrfam == SPDKRT_NVMF_ADRFAM_IPV6 ? "IPv6" : "IPv4",
			     trid->traddr, trid->trsvcid, trid->subnqn);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int spdkrt_nvme_transport_id_compare(const struct spdkrt_nvme_transport_id *a,
				     const struct spdkrt_nvme_transport_id *b)
{
	int c;

	if (a == NULL || b == NULL)
		return a == b ? 0 : (a == NULL ? -1 : 1);
	if (a->trtype != b->trtype)
		return a->trtype < b->trtype ? -1 : 1;
	if (a->trtype == SPDKRT_NVME_TRANSPORT_PCIE) {
		struct spdkrt_pci_addr pa, pb;

		if (spdkrt_pci_addr_parse(&pa, a->traddr) == 0 &&
		    spdkrt_pci_addr_parse(&pb, b->traddr) == 0)
			return spdkrt_pci_addr_compare(&pa, &pb);
		return strcasecmp(a->traddr, b->traddr);
	}
	if (a->adrfam != b->adrfam)
		return a->adrfam < b->adrfam ? -1 : 1;
	c = strcasecmp(a->traddr, b->traddr);
	if (c == 0)
		c = strcmp(a->trsvcid, b->trsvcid);
	if (c == 0)
		c = strcmp(a->subnqn, b->subnqn);
	return c;
}
