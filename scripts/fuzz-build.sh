#!/usr/bin/env bash
# The one clang build that both fuzz stages share (scripts/fuzz-nvme.sh, scripts/test-fuzz.sh):
# the library and the NVMe controller model with libFuzzer coverage and ASan+UBSan, configured
# and built once in build-fuzz (or $BUILDDIR); the second stage finds it up to date and only
# links its own targets. UBSan reports stay recoverable in the build: a stage that must stop on
# one says so in UBSAN_OPTIONS (halt_on_error=1).
# Sourced, with top and builddir set: fuzz_build builds and sets fuzz_flags (for the targets'
# own compile) and fuzz_libs (what the static library needs at link time).
# shellcheck disable=SC2154,SC2034 # top and builddir come from the stage; it uses fuzz_libs
fuzz_flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined"

fuzz_build() {
	command -v clang >/dev/null || {
		echo "fuzz: clang is missing (scripts/pkgdep.sh installs it)"
		return 1
	}
	(cd "$top" && { [ -x configure ] || ./autogen.sh >/dev/null; })
	mkdir -p "$builddir"
	if [ ! -f "$builddir/Makefile" ] || [ "$(cat "$builddir/.fuzz-flags" 2>/dev/null)" != "$fuzz_flags" ]; then
		(cd "$builddir" && "$top/configure" -q CC=clang CFLAGS="$fuzz_flags")
		echo "$fuzz_flags" >"$builddir/.fuzz-flags"
	fi
	local t0=$SECONDS
	make -C "$builddir" -s -j"$(nproc)" libspdkrt/libspdkrt_internal.la \
		tests/models/nvme/libnvme_model.la
	echo "fuzz build (clang, libFuzzer, ASan+UBSan) in $builddir: $((SECONDS - t0)) s"
	# the libraries the library needs, as its Makefile expands them
	# shellcheck disable=SC2016 # a make variable, expanded by make
	fuzz_libs=$(printf 'print-spdkrt-libs:\n\t@echo $(SPDKRT_DEP_LIBS)\n' |
		make -s -C "$builddir" --no-print-directory -f Makefile -f /dev/stdin print-spdkrt-libs)
}
