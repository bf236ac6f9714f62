/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe/TCP connection options of the NVMe tools, named as SPDK's perf names them: -H / -I
 * (--enable-tcp-hdgst / --enable-tcp-ddgst) ask for header and data digests, the host NQN comes
 * from --hostnqn or a hostnqn: key inside -r, and --psk-path names a file holding a TLS PSK in
 * the interchange format (readable by its owner only, like an ssh key), which makes every queue
 * run TLS 1.3.
 */
#ifndef SPDKRT_EXAMPLES_NVME_FABRIC_OPTS_H
#define SPDKRT_EXAMPLES_NVME_FABRIC_OPTS_H

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <spdkrt.h>

/* getopt values of the long-only options (beyond any character). */
enum {
	NVME_FABRIC_OPT_HOSTNQN = 0x200,
	NVME_FABRIC_OPT_PSK_PATH,
};

#define NVME_FABRIC_SHORTOPTS "HI"

/* clang-format off */
#define NVME_FABRIC_LONGOPTS                                                  \
	{ "enable-tcp-hdgst", no_argument, NULL, 'H' },                       \
	{ "enable-tcp-ddgst", no_argument, NULL, 'I' },                       \
	{ "hostnqn", required_argument, NULL, NVME_FABRIC_OPT_HOSTNQN },      \
	{ "psk-path", required_argument, NULL, NVME_FABRIC_OPT_PSK_PATH }
/* clang-format on */

#define NVME_FABRIC_USAGE                                                                          \
	"NVMe/TCP (with -r 'trtype:TCP ...'; hostnqn:NQN may be part of TRID):\n"                  \
	"  -H, --enable-tcp-hdgst  ask for header digests (CRC32C)\n"                              \
	"  -I, --enable-tcp-ddgst  ask for data digests (CRC32C)\n"                                \
	"      --hostnqn NQN       host NQN to connect with\n"                                     \
	"      --psk-path FILE     TLS 1.3 with the PSK in FILE (interchange format\n"             \
	"                          NVMeTLSkey-1:..., mode 600)\n"

struct nvme_fabric_opts {
	bool hdgst;
	bool ddgst;
	char hostnqn[SPDKRT_NVME_NQN_MAX];
	char psk[SPDKRT_NVME_TLS_PSK_MAX];
	bool hostid_set; /* a tool's own option (spdkrt-nvme-reserve --hostid) */
	uint8_t hostid[16];
};

/* The key of a PSK file: one line; refused unless only its owner can read the file. */
static inline int nvme_fabric_read_psk(struct nvme_fabric_opts *f, const char *prog,
				       const char *path)
{
	struct stat st;
	size_t len;
	FILE *file = fopen(path, "r");
	bool ok;

	if (file == NULL) {
		fprintf(stderr, "%s: --psk-path %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		fprintf(stderr,
			"%s: --psk-path %s: a key file must be a regular file only its "
			"owner can read (chmod 600)\n",
			prog, path);
		fclose(file);
		return -1;
	}
	ok = fgets(f->psk, sizeof(f->psk), file) != NULL;
	fclose(file);
	len = ok ? strcspn(f->psk, "\r\n ") : 0;
	f->psk[len] = '\0';
	if (len == 0 || len + 1 >= sizeof(f->psk)) {
		fprintf(stderr, "%s: --psk-path %s: no key, or longer than %zu characters\n", prog,
			path, sizeof(f->psk) - 2);
		memset(f->psk, 0, sizeof(f->psk));
		return -1;
	}
	return 0;
}

static inline int nvme_fabric_set_hostnqn(struct nvme_fabric_opts *f, const char *prog,
					  const char *nqn, size_t len)
{
	if (len == 0 || len >= sizeof(f->hostnqn)) {
		fprintf(stderr, "%s: a host NQN of 1 to %zu characters, not '%.*s'\n", prog,
			sizeof(f->hostnqn) - 1, (int)len, nqn);
		return -1;
	}
	memcpy(f->hostnqn, nqn, len);
	f->hostnqn[len] = '\0';
	return 0;
}

/* One of the options above: 1 when @p opt was one (applied), 0 when not, -1 after saying why
 * its argument is wrong. */
static inline int nvme_fabric_opt(struct nvme_fabric_opts *f, const char *prog, int opt,
				  const char *arg)
{
	switch (opt) {
	case 'H':
		f->hdgst = true;
		return 1;
	case 'I':
		f->ddgst = true;
		return 1;
	case NVME_FABRIC_OPT_HOSTNQN:
		return nvme_fabric_set_hostnqn(f, prog, arg, strlen(arg)) == 0 ? 1 : -1;
	case NVME_FABRIC_OPT_PSK_PATH:
		return nvme_fabric_read_psk(f, prog, arg) == 0 ? 1 : -1;
	default:
		return 0;
	}
}

/* Parses -r TRID into @p trid, taking a hostnqn:NQN key out of it first (SPDK's form; the
 * library's transport ID has no host part). 0, or -1 after saying why. */
static inline int nvme_fabric_parse_trid(struct nvme_fabric_opts *f, const char *prog,
					 const char *text, struct spdkrt_nvme_transport_id *trid)
{
	char rest[1024];
	size_t n = 0;
	const char *p = text;

	while (*p != '\0') {
		size_t skip = strspn(p, " \t"), word;

		p += skip;
		word = strcspn(p, " \t");
		if (word >= 8 && strncasecmp(p, "hostnqn:", 8) == 0) {
			if (nvme_fabric_set_hostnqn(f, prog, p + 8, word - 8) != 0)
				return -1;
		} else if (word > 0) {
			if (n + word + 2 > sizeof(rest)) {
				fprintf(stderr, "%s: transport ID too long\n", prog);
				return -1;
			}
			memcpy(rest + n, p, word);
			n += word;
			rest[n++] = ' ';
		}
		p += word;
	}
	rest[n > 0 ? n - 1 : 0] = '\0';
	if (spdkrt_nvme_transport_id_parse(trid, rest) != 0) {
		fprintf(stderr,
			"%s: bad transport ID '%s' (e.g. 'trtype:PCIe traddr:0000:00:04.0' "
			"or 'trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420 "
			"subnqn:NQN')\n",
			prog, text);
		return -1;
	}
	return 0;
}

/* The host identifier sent in Connect; 8 bytes given are the first 8, the rest zero. */
static inline void nvme_fabric_set_hostid(struct nvme_fabric_opts *f, const uint8_t hostid[16])
{
	memcpy(f->hostid, hostid, sizeof(f->hostid));
	f->hostid_set = true;
}

/* The options into a controller's: only what was given replaces the defaults. */
static inline void nvme_fabric_apply(const struct nvme_fabric_opts *f,
				     struct spdkrt_nvme_ctrlr_opts *opts)
{
	opts->header_digest = opts->header_digest || f->hdgst;
	opts->data_digest = opts->data_digest || f->ddgst;
	if (f->hostnqn[0] != '\0')
		memcpy(opts->hostnqn, f->hostnqn, sizeof(opts->hostnqn));
	if (f->psk[0] != '\0')
		memcpy(opts->psk, f->psk, sizeof(opts->psk));
	if (f->hostid_set)
		memcpy(opts->hostid, f->hostid, sizeof(opts->hostid));
}

#endif
