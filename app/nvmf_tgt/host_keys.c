/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allowed hosts with their TLS PSKs (NVMe TP 8011), from the configuration or RPC: a key given
 * inline ("psk") or in a file only its owner can read ("psk_file"). The library keeps the key
 * and never hands it back, so the daemon remembers how each was given: save_config writes it
 * the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

/* An interchange-format key is at most 16 + 72 + 1 characters; room for a newline. */
#define KEY_FILE_MAX 256

struct host_key {
	struct host_key *next;
	char *subnqn;
	char *hostnqn;
	char *psk;      /* as given inline, or NULL */
	char *psk_file; /* or the file it came from */
};

static struct host_key *g_keys;

static void key_free(struct host_key *k)
{
	if (k->psk != NULL)
		explicit_bzero(k->psk, strlen(k->psk));
	free(k->psk);
	free(k->psk_file);
	free(k->subnqn);
	free(k->hostnqn);
	free(k);
}

static struct host_key **find(const char *subnqn, const char *hostnqn)
{
	struct host_key **k;

	for (k = &g_keys; *k != NULL; k = &(*k)->next)
		if (strcmp((*k)->subnqn, subnqn) == 0 && strcmp((*k)->hostnqn, hostnqn) == 0)
			return k;
	return k;
}

/* Read a key file: the owner's alone (like an ssh key), one line. */
static int read_key_file(const char *path, char *buf, size_t size)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		rc = -errno;
		fprintf(stderr, "spdkrt-nvmf-tgt: PSK file %s: %s\n", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		fprintf(stderr,
			"spdkrt-nvmf-tgt: PSK file %s must be a regular file only its owner can "
			"read (chmod 600)\n",
			path);
		close(fd);
		return -EPERM;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int daemon_host_add(struct spdkrt_nvmf_subsystem *s, const char *hostnqn, const char *psk,
		    const char *psk_file)
{
	struct spdkrt_nvmf_host_opts o;
	struct host_key *k, **at;
	char buf[KEY_FILE_MAX];
	int rc;

	if (psk != NULL && psk_file != NULL) {
		fprintf(stderr, "spdkrt-nvmf-tgt: host %s: psk or psk_file, not both\n", hostnqn);
		return -EINVAL;
	}
	spdkrt_nvmf_host_opts_init(&o, sizeof(o));
	if (psk_file != NULL) {
		rc = read_key_file(psk_file, buf, sizeof(buf));
		if (rc != 0)
			return rc;
		o.psk = buf;
	} else {
		o.psk = psk;
	}
	rc = spdkrt_nvmf_subsystem_add_host_ext(s, hostnqn, &o);
	explicit_bzero(buf, sizeof(buf));
	if (rc != 0 || (psk == NULL && psk_file == NULL))
		return rc;
	k = calloc(1, sizeof(*k));
	if (k != NULL) {
		k->subnqn = strdup(spdkrt_nvmf_subsystem_get_nqn(s));
		k->hostnqn = strdup(hostnqn);
		k->psk = psk != NULL ? strdup(psk) : NULL;
		k->psk_file = psk_file != NULL ? strdup(psk_file) : NULL;
	}
	if (k == NULL || k->subnqn == NULL || k->hostnqn == NULL ||
	    (k->psk == NULL && k->psk_file == NULL)) {
		if (k != NULL)
			key_free(k);
		spdkrt_nvmf_subsystem_remove_host(s, hostnqn);
		return -ENOMEM;
	}
	/* A host added again replaces what was remembered of it. */
	at = find(k->subnqn, hostnqn);
	if (*at != NULL) {
		struct host_key *old = *at;

		*at = old->next;
		key_free(old);
	}
	k->next = g_keys;
	g_keys = k;
	return 0;
}

struct json_object *daemon_host_dump(struct spdkrt_nvmf_subsystem *s, const char *hostnqn)
{
	struct host_key *k = *find(spdkrt_nvmf_subsystem_get_nqn(s), hostnqn);
	struct json_object *o;

	if (k == NULL || !spdkrt_nvmf_subsystem_host_has_psk(s, hostnqn))
		return json_object_new_string(hostnqn);
	o = json_object_new_object();
	json_object_object_add(o, "nqn", json_object_new_string(hostnqn));
	if (k->psk_file != NULL)
		json_object_object_add(o, "psk_file", json_object_new_string(k->psk_file));
	else
		json_object_object_add(o, "psk", json_object_new_string(k->psk));
	return o;
}

void daemon_host_keys_free(void)
{
	while (g_keys != NULL) {
		struct host_key *k = g_keys;

		g_keys = k->next;
		key_free(k);
	}
}
