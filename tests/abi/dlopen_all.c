/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dlopen("libspdkrt.so.1") alone (RTLD_NOW: every dependency must resolve), then look up every
 * public function, by name and at its version node, and call spdkrt_version().
 * Usage: dlopen_all EXPECTED_VERSION < list    (lines "name version-node", from
 * scripts/abi-symbols.py api). Built without any spdkrt header: cc dlopen_all.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *(*version)(void);
	char name[256], node[64];
	int found = 0, missing = 0;
	void *lib;

	if (argc != 2) {
		fprintf(stderr, "usage: %s EXPECTED_VERSION < symbol-list\n", argv[0]);
		return 2;
	}
	lib = dlopen("libspdkrt.so.1", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		printf("FAIL: dlopen(libspdkrt.so.1): %s\n", dlerror());
		return 1;
	}
	while (scanf("%255s %63s", name, node) == 2) {
		void *by_name = dlsym(lib, name);
		/* "-": not in the version script; then only the plain lookup is possible. */
		void *by_version = strcmp(node, "-") != 0 ? dlvsym(lib, name, node) : by_name;

		if (by_name == NULL || by_version == NULL || by_name != by_version) {
			printf("FAIL: %s: dlsym %p, dlvsym(%s) %p\n", name, by_name, node,
			       by_version);
			missing++;
		} else {
			found++;
		}
	}
	*(void **)&version = dlsym(lib, "spdkrt_version");
	if (version == NULL || strcmp(version(), argv[1]) != 0) {
		printf("FAIL: spdkrt_version() is %s, expected %s\n",
		       version ? version() : "(missing)", argv[1]);
		missing++;
	}
	if (found == 0)
		printf("FAIL: no symbol read from the list\n");
	else if (missing == 0)
		printf("ok: dlopen + dlsym/dlvsym of %d public functions, spdkrt_version() = %s\n",
		       found, version());
	dlclose(lib);
	return missing == 0 && found > 0 ? 0 : 1;
}
