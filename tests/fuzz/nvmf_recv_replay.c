/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvmf_recv_replay [CORPUS_DIR]: runs every file of the committed corpus through the NVMe/TCP
 * receive-path fuzz target, then deterministic mutations of each (bytes flipped, lengths
 * changed, cut short, spliced): what make check can afford of the fuzzer. A crash or broken
 * invariant aborts; exit 0 otherwise.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmf_fuzz.h"

#define MUTATIONS_PER_FILE 24
#define MAX_STREAM (256 * 1024)

static uint64_t g_seed = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	g_seed ^= g_seed << 13;
	g_seed ^= g_seed >> 7;
	g_seed ^= g_seed << 17;
	return g_seed;
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
	switch (next() % 5) {
	case 0: /* flip a few bytes */
		for (int i = 0; i < 4 && len > 0; i++)
			buf[next() % len] ^= (uint8_t)(1u << (next() % 8));
		return len;
	case 1: /* a random byte anywhere in the first 128 (headers) */
		if (len > 0)
			buf[next() % (len < 128 ? len : 128)] = (uint8_t)next();
		return len;
	case 2: /* cut short */
		return len > 0 ? next() % len : 0;
	case 3: /* a large length field: plen of some PDU */
		if (len >= 8) {
			size_t at = (next() % (len - 7)) & ~(size_t)3;

			buf[at + 4] = 0xff;
			buf[at + 7] = (uint8_t)(next() & 0x7f);
		}
		return len;
	default: /* repeat the tail */
		if (len > 0 && len * 2 <= cap) {
			memcpy(buf + len, buf, len);
			return len * 2;
		}
		return len;
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/nvmf";
	static uint8_t orig[MAX_STREAM], buf[2 * MAX_STREAM];
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), files = 0, runs = 0;

	if (n < 0) {
		perror(dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		FILE *f;
		size_t len;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		len = fread(orig, 1, sizeof(orig), f);
		fclose(f);
		files++;
		nvmf_fuzz_one(orig, len);
		runs++;
		for (int m = 0; m < MUTATIONS_PER_FILE; m++) {
			size_t l;

			memcpy(buf, orig, len);
			l = mutate(buf, len, sizeof(buf));
			nvmf_fuzz_one(buf, l);
			runs++;
		}
	}
	free(names);
	nvmf_fuzz_cleanup();
	printf("nvmf_recv_replay: %d corpus files, %d streams, no crash, every connection released\n",
	       files, runs);
	return files > 0 ? 0 : 1;
}
