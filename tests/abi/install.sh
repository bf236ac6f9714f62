#!/usr/bin/env bash
# `make install DESTDIR=<tmp>` from the build tree, then use the installed tree the way a user
# does, with nothing from the source or build tree:
#  - compile tests/abi/consumer.c with only `pkg-config --cflags --libs spdkrt` (pkg-config
#    pointed into the tree with PKG_CONFIG_LIBDIR + PKG_CONFIG_SYSROOT_DIR) and run it with
#    LD_LIBRARY_PATH: version check, then a malloc bdev written, read back and verified;
#  - build the out-of-tree bdev module example examples/bdev/passthru the same way and run its
#    write + verify through the module;
#  - link the same program statically against libspdkrt.a with `pkg-config --static`;
#  - dlopen("libspdkrt.so.1") + dlsym/dlvsym of every public function from C;
#  - ctypes.CDLL("libspdkrt.so.1").spdkrt_version() from Python, directly and through
#    the python/spdkrt package;
#  - the installed tools (spdkrt-*) each with a man page, a man(3) page per public function;
#    `make uninstall` leaves no file.
# Under ASan the uninstrumented programs and Python get LD_PRELOAD=libasan (DESIGN.md).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
CC=${CC:-cc}
MAKE=${MAKE:-make}
failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}
pass() { echo "ok: $*"; }

command -v pkg-config >/dev/null || {
	echo "SKIP: pkg-config not found"
	exit 77
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

# Install (a fresh make, without the jobserver of a `make -j check` that runs this test).
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $MAKE -C "$top_builddir" -s install DESTDIR="$dest" \
	>"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: make install DESTDIR=$dest"
	exit 1
fi
pc=$(find "$dest" -name spdkrt.pc)
[ "$(echo "$pc" | wc -l)" = 1 ] && [ -n "$pc" ] || {
	echo "FAIL: expected one spdkrt.pc under $dest, found: ${pc:-none}"
	exit 1
}
pass "make install DESTDIR: ${pc#"$dest"}"

# pkg-config sees only the installed tree.
export PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR=${pc%/*}
export PKG_CONFIG_SYSROOT_DIR=$dest
cflags=$(pkg-config --cflags spdkrt)
libs=$(pkg-config --libs spdkrt)
static_libs=$(pkg-config --static --libs spdkrt)
libdir=$(echo "$libs" | tr ' ' '\n' | sed -n 's/^-L//p' | head -n1)
[ -n "$libdir" ] && [ -e "$libdir/libspdkrt.so.1" ] || {
	echo "FAIL: pkg-config --libs spdkrt gives '$libs': no -L to a directory with libspdkrt.so.1"
	exit 1
}
version=$(pkg-config --modversion spdkrt)
pass "pkg-config spdkrt $version: $cflags $libs"

asan_so=
dynamic=$(readelf -d "$libdir/libspdkrt.so.1")
if grep -q 'NEEDED.*libasan' <<<"$dynamic"; then
	asan_so=$($CC -print-file-name=libasan.so)
	echo "note: ASan build: uninstrumented programs run with LD_PRELOAD=$asan_so"
fi
# Runs a program against the installed library only (leak checks stay on for C programs).
run_installed() {
	env LD_LIBRARY_PATH="$libdir" ${asan_so:+LD_PRELOAD="$asan_so"} "$@"
}
# The same without leak checks: for dlclose (LeakSanitizer then reports what DPDK's constructors
# allocated in the unloaded libraries) and for Python (CPython's own allocations).
run_installed_noleak() {
	env ${asan_so:+ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0} \
		LD_LIBRARY_PATH="$libdir" ${asan_so:+LD_PRELOAD="$asan_so"} "$@"
}

# The out-of-tree program, with the bdev part when the library has it.
defs=
exports=$(nm -D --defined-only "$libdir/libspdkrt.so.1")
if ! grep -q ' spdkrt_bdev_create@' <<<"$exports"; then
	defs=-DCONSUMER_NO_BDEV
	echo "SKIP: bdev part of the consumer: spdkrt_bdev_create is not exported yet"
fi
# The headers must compile cleanly as strict C11 with warnings as errors.
# shellcheck disable=SC2086
if $CC -std=c11 -Wall -Wextra -Werror -pedantic $defs $cflags "$top_srcdir/tests/abi/consumer.c" \
	-o "$tmp/consumer" $libs 2>"$tmp/cc.log"; then
	pass "cc -std=c11 -Wall -Wextra -Werror -pedantic consumer.c \$(pkg-config --cflags --libs spdkrt)"
	where=$(run_installed ldd "$tmp/consumer" | awk '$1 == "libspdkrt.so.1" { print $3 }')
	[ "$where" = "$libdir/libspdkrt.so.1" ] ||
		fail "consumer resolves libspdkrt.so.1 to '$where', not the installed $libdir/libspdkrt.so.1"
	if run_installed "$tmp/consumer" >"$tmp/run.log" 2>&1; then
		pass "consumer runs against the installed library: $(grep -c '^ok:' "$tmp/run.log") checks"
	else
		cat "$tmp/run.log"
		fail "consumer failed against the installed library"
	fi
else
	cat "$tmp/cc.log"
	fail "the consumer does not compile against the installed headers with pkg-config only"
fi

# The out-of-tree bdev module example (examples/bdev/passthru): built from the installed headers
# with pkg-config only, stacked on a malloc bdev, write + verify through it.
pt=$top_srcdir/examples/bdev/passthru
# shellcheck disable=SC2086
if $CC -std=c11 -Wall -Wextra -Werror $cflags "$pt/passthru.c" "$pt/passthru_verify.c" \
	-o "$tmp/passthru_verify" $libs 2>"$tmp/cc-pt.log"; then
	if run_installed "$tmp/passthru_verify" >"$tmp/run-pt.log" 2>&1 &&
		grep -q '^passthru verify passed' "$tmp/run-pt.log"; then
		pass "out-of-tree passthru bdev module: $(grep '^verify:' "$tmp/run-pt.log")"
	else
		cat "$tmp/run-pt.log"
		fail "the passthru example module failed its verify against the installed library"
	fi
else
	cat "$tmp/cc-pt.log"
	fail "the passthru example module does not build against the installed headers"
fi

# Static: libspdkrt.a with the private dependencies of `pkg-config --static`.
if [ -f "$libdir/libspdkrt.a" ]; then
	san=
	[ -z "$asan_so" ] || san="-fsanitize=address,undefined"
	# shellcheck disable=SC2086
	if $CC $san $defs $cflags "$top_srcdir/tests/abi/consumer.c" -o "$tmp/consumer-static" \
		${static_libs/-lspdkrt/-l:libspdkrt.a} 2>"$tmp/cc-static.log"; then
		if readelf -d "$tmp/consumer-static" | grep 'NEEDED.*libspdkrt' >/dev/null; then
			fail "the static consumer still needs libspdkrt.so"
		elif env ${san:+ASAN_OPTIONS=detect_leaks=0} "$tmp/consumer-static" >"$tmp/run-static.log" 2>&1; then
			pass "static link with pkg-config --static (${static_libs/-lspdkrt/-l:libspdkrt.a}) runs"
		else
			cat "$tmp/run-static.log"
			fail "the statically linked consumer failed"
		fi
	else
		cat "$tmp/cc-static.log"
		fail "static link with \`pkg-config --static --libs spdkrt\` fails: Libs.private incomplete?"
	fi
else
	echo "note: no libspdkrt.a installed (--disable-static): static link not tested"
fi

# dlopen from C: every public function, by name and version.
if "$top_srcdir/scripts/abi-symbols.py" api >"$tmp/symbols" 2>"$tmp/symbols.err"; then
	if $CC "$top_srcdir/tests/abi/dlopen_all.c" -o "$tmp/dlopen_all" -ldl; then
		if run_installed_noleak "$tmp/dlopen_all" "$version" <"$tmp/symbols" >"$tmp/dlopen.log" 2>&1; then
			cat "$tmp/dlopen.log"
		else
			cat "$tmp/dlopen.log"
			fail "dlopen/dlsym of the public functions"
		fi
	else
		fail "cannot compile dlopen_all.c"
	fi
else
	cat "$tmp/symbols.err"
	fail "scripts/abi-symbols.py api"
fi

# Python ctypes, without and with the binding.
if command -v python3 >/dev/null; then
	got=$(run_installed_noleak python3 -c 'import ctypes
lib = ctypes.CDLL("libspdkrt.so.1")
lib.spdkrt_version.restype = ctypes.c_char_p
print(lib.spdkrt_version().decode())' 2>&1) || true
	if [ "$got" = "$version" ]; then
		pass "python3 ctypes.CDLL('libspdkrt.so.1').spdkrt_version() = $got"
	else
		fail "python3 ctypes: spdkrt_version() gave '$got', expected $version"
	fi
	got=$(cd "$top_srcdir/python" &&
		run_installed_noleak env -u SPDKRT_LIBRARY python3 -B -c 'import spdkrt; print(spdkrt.version(), spdkrt.load().path)' 2>&1) || true
	if [ "$got" = "$version libspdkrt.so.1" ]; then
		pass "python/spdkrt finds libspdkrt.so.1 without SPDKRT_LIBRARY: version $version"
	else
		fail "python/spdkrt: got '$got'"
	fi
else
	echo "SKIP: python3 not found: ctypes test"
fi

# Go (cgo, #cgo pkg-config: spdkrt) and Rust (extern "C", rustc with pkg-config's -L) programs
# against the installed library: a malloc bdev written, read back, verified. The distribution's
# toolchains (golang-go, rustc) when present.
gobin=$(command -v /usr/bin/go go 2>/dev/null | head -n1 || true)
if [ -n "$gobin" ]; then
	mkdir -p "$tmp/go"
	cp "$top_srcdir/examples/go/hello_bdev.go" "$tmp/go/"
	if (cd "$tmp/go" && GOCACHE="$tmp/go/cache" GOPATH="$tmp/go/path" GO111MODULE=off GOFLAGS= \
		"$gobin" build -o hello_bdev hello_bdev.go) >"$tmp/go.log" 2>&1 &&
		run_installed_noleak "$tmp/go/hello_bdev" >>"$tmp/go.log" 2>&1; then
		pass "$(grep '^PASS: Go' "$tmp/go.log" | sed 's/^PASS: //') (go build, cgo pkg-config)"
	else
		sed 's/^/    /' "$tmp/go.log"
		fail "examples/go/hello_bdev.go against the installed library"
	fi
else
	echo "SKIP: Go example: no go (golang-go)"
fi
rustc=$(command -v /usr/bin/rustc rustc 2>/dev/null | head -n1 || true)
if [ -n "$rustc" ]; then
	# shellcheck disable=SC2046
	if "$rustc" -O "$top_srcdir/examples/rust/hello_bdev.rs" -o "$tmp/hello_bdev_rs" \
		$(pkg-config --libs-only-L spdkrt | sed 's/-L/-L /g') -l spdkrt >"$tmp/rust.log" 2>&1 &&
		run_installed "$tmp/hello_bdev_rs" >>"$tmp/rust.log" 2>&1; then
		pass "$(grep '^PASS: Rust' "$tmp/rust.log" | sed 's/^PASS: //') (rustc, pkg-config -L)"
	else
		sed 's/^/    /' "$tmp/rust.log"
		fail "examples/rust/hello_bdev.rs against the installed library"
	fi
else
	echo "SKIP: Rust example: no rustc"
fi

# Tools and their man pages.
bindir=$(dirname "$(find "$dest" -type f -name spdkrt-setup | head -n1)")
tools=$(cd "$bindir" && ls spdkrt-* 2>/dev/null | tr '\n' ' ')
mandir=$(find "$dest" -type d -name man1 | head -n1)
nomans=
for t in $tools; do
	[ -n "$mandir" ] && [ -f "$mandir/$t.1" ] || nomans="$nomans $t"
done
if [ -z "$tools" ]; then
	fail "no spdkrt-* tool installed"
elif [ -n "$nomans" ] && command -v help2man >/dev/null; then
	fail "tools without a man page:$nomans"
else
	pass "tools installed: $tools${nomans:+(no man page without help2man:$nomans)}"
fi
# A man(3) page for every public function (scripts/list-api.py: the functions the headers declare).
man3dir=$(dirname "$mandir")/man3
nopages=
for f in $(python3 "$top_srcdir/scripts/list-api.py" 2>/dev/null) spdkrt; do
	[ -f "$man3dir/$f.3" ] || nopages="$nopages $f"
done
if [ -n "$nopages" ]; then
	fail "public functions without an installed man(3) page:$nopages"
else
	pass "a man(3) page for every public function: $(ls "$man3dir" | wc -l) in ${man3dir#"$dest"}"
fi
if run_installed "$bindir/spdkrt-setup" help >/dev/null; then
	pass "spdkrt-setup help"
else
	fail "spdkrt-setup help"
fi

# Uninstall removes every file.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $MAKE -C "$top_builddir" -s uninstall DESTDIR="$dest" \
	>"$tmp/uninstall.log" 2>&1 || {
	cat "$tmp/uninstall.log"
	fail "make uninstall"
}
left=$(find "$dest" -type f -o -type l)
if [ -z "$left" ]; then
	pass "make uninstall removes every installed file"
else
	fail "files left after make uninstall: $left"
fi

[ "$failed" = 0 ] && echo "PASS: install, pkg-config, static, dlopen, ctypes"
exit "$failed"
