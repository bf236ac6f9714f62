/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs a libFuzzer target over its committed corpus without libFuzzer (gcc, make check, ASan):
 * every file of $top_srcdir/tests/fuzz/corpus/<name>/ once. The fuzz stage
 * (scripts/test-fuzz.sh) explores further with clang's libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top != NULL ? top : ".",
			 CORPUS_NAME);
	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "cannot open the corpus %s\n", dir);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[8192];
		uint8_t buf[65536];
		size_t len;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
	}
	closedir(d);
	printf("%s: %u corpus inputs, no finding\n", CORPUS_NAME, n);
	return n > 0 ? 0 : 1;
}
