#!/usr/bin/env bash
# Tests the distribution packages the way a user gets them (a stage of scripts/test.sh):
#  1. `make dist` from a copy of the working tree; .debs with dpkg-buildpackage -b from the
#     unpacked tarball, RPMs with rpmbuild -bb --nodeps from the tarball; lintian and rpmlint
#     must report no error (warnings only with an override that gives the reason);
#  2. the .debs go into a local apt repository (apt-ftparchive, a file: source) and are installed
#     by name: apt-get install libspdkrt-dev spdkrt-tools python3-spdkrt spdkrt-fio (spdkrt-fio
#     is built from fio's source, scripts/fio-source.sh, when it can be fetched);
#  3. an out-of-tree program (the installed consumer.c example) built with nothing but
#     cc prog.c $(pkg-config --cflags --libs spdkrt), and statically with pkg-config --static,
#     runs: malloc bdev written, read back and verified without hugepages; dlopen + dlsym of every
#     public function; a man(3) page for each; the python3-spdkrt package's pytest suite
#     (python/tests) against the installed module and library; the Go (cgo) and Rust examples
#     built with golang-go and rustc against the installed library;
#     spdkrt-bdevperf (1 s) and spdkrt-setup status from PATH, --help of every tool;
#  4. apt-get purge, then no file of the packages is left.
# Prints PASS/FAIL/SKIP lines and a summary; exits 1 when something failed. Needs root (apt-get)
# and the packages of scripts/pkgdep.sh. SPDKRT_KEEP_WORK=1 keeps the work directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
start_all=$SECONDS
passed=0
failed=0
skipped=0
pass() {
	echo "PASS: $*"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}
skip() {
	echo "SKIP: $*"
	skipped=$((skipped + 1))
}
# Shows the end of a log after a failure.
show() { sed 's/^/    /' "$1" | tail -n "${2:-40}"; }
summary() {
	echo "test-packages: $passed passed, $failed failed, $skipped skipped ($((SECONDS - start_all)) s)"
	[ "$failed" -eq 0 ]
}

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=()
for tool in dpkg-buildpackage dh lintian apt-ftparchive rpmbuild rpmlint help2man abidiff python3 pkg-config \
	pybuild man; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
/usr/bin/python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
if [ ${#missing[@]} -gt 0 ]; then
	fail "missing tools: ${missing[*]} (run scripts/pkgdep.sh)"
	summary
	exit 1
fi

# One run at a time on a machine: packages are installed and purged system-wide.
exec 9>/tmp/spdkrt-test-packages.lock
flock -w 1800 9 || {
	fail "another scripts/test-packages.sh still runs after 30 minutes"
	summary
	exit 1
}

work=$(mktemp -d /tmp/spdkrt-packages.XXXXXX)
chmod 755 "$work"
cleanup() {
	if [ "${SPDKRT_KEEP_WORK:-0}" = 1 ]; then
		echo "work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
echo "work directory: $work"

# ---- versions: configure.ac, debian/changelog and the spec must agree ----
version=$(sed -n 's/^m4_define(\[spdkrt_\(major\|minor\|patch\)\], \[\([0-9]*\)\]).*/\2/p' "$top/configure.ac" | paste -sd.)
deb_version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
rpm_version=$(sed -n 's/^Version:[[:space:]]*//p' "$top/rpm/spdkrt.spec")
if [ "${deb_version%-*}" = "$version" ] && [ "$rpm_version" = "$version" ]; then
	pass "version $version in configure.ac, debian/changelog ($deb_version) and rpm/spdkrt.spec"
else
	fail "versions differ: configure.ac $version, debian/changelog $deb_version, rpm/spdkrt.spec $rpm_version"
fi

# ---- 1. dist tarball, .debs, RPMs ----
t=$SECONDS
mkdir -p "$work/src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# The working tree as it is (tracked and new files), without build trees and ignored output.
	git -C "$top" ls-files -z -co --exclude-standard |
		(cd "$top" && tar -cf - --null -T - 2>/dev/null) | tar -xf - -C "$work/src"
else
	(cd "$top" && tar -cf - --exclude='./build*' --exclude=./autom4te.cache .) | tar -xf - -C "$work/src"
fi
tarball=
if (cd "$work/src" && ./autogen.sh && mkdir _dist && cd _dist && ../configure -q &&
	make -s dist) >"$work/dist.log" 2>&1; then
	tarball=$(ls "$work"/src/_dist/spdkrt-*.tar.gz)
	pass "make dist: ${tarball##*/} ($((SECONDS - t)) s)"
else
	show "$work/dist.log"
	fail "make dist"
fi

debs_ok=0
fio_src=
deb_profiles=()
if [ -n "$tarball" ]; then
	t=$SECONDS
	mkdir -p "$work/deb"
	tar -xzf "$tarball" -C "$work/deb"
	srcdir=$(ls -d "$work"/deb/spdkrt-*/)
	# spdkrt-fio is built against the installed fio's own source (fio/, the source package's
	# component; scripts/fio-source.sh fetches it); without it, the packages are built without
	# spdkrt-fio (build profile pkg.spdkrt.nofio).
	if fio_src=$("$top/scripts/fio-source.sh" 2>"$work/fio-source.log"); then
		cp -a "$fio_src" "$srcdir/fio"
	else
		fio_src=
		deb_profiles=(-Ppkg.spdkrt.nofio)
		skip "spdkrt-fio: fio's source is not available ($(tail -n1 "$work/fio-source.log"))"
	fi
	# The distribution's tools only, as in a build chroot: a python3 of a user's own (pyenv,
	# /usr/local) before /usr/bin would be the one pybuild runs, without Debian's modules.
	if (cd "$srcdir" && PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b ${deb_profiles[@]+"${deb_profiles[@]}"}) >"$work/deb.log" 2>&1; then
		debs_ok=1
		pass "dpkg-buildpackage -us -uc -b: $(cd "$work/deb" && ls ./*.deb | grep -vc dbgsym) packages ($((SECONDS - t)) s)"
		grep -E '^(ok|PASS|SKIP|FAIL): ' "$work/deb.log" | sed 's/^/    build test: /'
	else
		show "$work/deb.log" 60
		fail "dpkg-buildpackage -us -uc -b (log: $work/deb.log)"
	fi
	if [ "$debs_ok" = 1 ]; then
		changes=$(ls "$work"/deb/spdkrt_*.changes)
		if lintian --fail-on error,warning --display-info "$changes" >"$work/lintian.log" 2>&1; then
			pass "lintian: no error or warning$(grep -c '^[IP]: ' "$work/lintian.log" | sed 's/^0$//; s/^[1-9].*/ (& info tags)/')"
		else
			grep -v 'root privileges' "$work/lintian.log" | sed 's/^/    /'
			fail "lintian reports errors or warnings without an override"
		fi
	fi

	t=$SECONDS
	mkdir -p "$work/rpm/SOURCES"
	cp "$tarball" "$work/rpm/SOURCES/"
	# Debian's rpm runs brp-compress with /bin/sh (dash), which lacks `read -d`: run it with bash.
	rpm_fio=()
	[ -z "$fio_src" ] || rpm_fio=(--with fio --define "fio_srcdir $fio_src")
	if rpmbuild -bb --nodeps --define "_topdir $work/rpm" ${rpm_fio[@]+"${rpm_fio[@]}"} \
		--define '__brp_compress /bin/bash %{_rpmconfigdir}/brp-compress %{?_prefix}' \
		"$work/src/rpm/spdkrt.spec" >"$work/rpm.log" 2>&1; then
		pass "rpmbuild -bb --nodeps: $(cd "$work/rpm/RPMS" && ls ./*/*.rpm | grep -vc debug) packages ($((SECONDS - t)) s)"
		# What differs between this Debian host and a Fedora build (rpm/spdkrt.rpmlintrc holds
		# the package's own filters):
		cat >"$work/rpmlint-debian-host.toml" <<'EOF'
# Fedora compresses manual pages with gzip; this rpmlint defaults to openSUSE's bzip2.
CompressExtension = "gz"
Filters = [
    # Debian's rpm has no redhat-rpm-config to run find-debuginfo, so the binaries keep their
    # symbol tables here; on Fedora they are stripped into the -debuginfo packages.
    'unstripped-binary-or-object',
    # rpmlint 2.4 (Debian 12) collects the man section number, not the page name, for this
    # check: a false positive (every tool has its page, which this script checks itself).
    'no-manual-page-for-binary',
]
EOF
		rpmlint -c "$work/rpmlint-debian-host.toml" -r "$work/src/rpm/spdkrt.rpmlintrc" \
			"$work"/rpm/RPMS/*/*.rpm "$work/src/rpm/spdkrt.spec" >"$work/rpmlint.log" 2>&1 || true
		summary_line=$(grep -E 'packages and .* checked' "$work/rpmlint.log" || true)
		if grep -q ': E: ' "$work/rpmlint.log" || [ -z "$summary_line" ]; then
			sed 's/^/    /' "$work/rpmlint.log"
			fail "rpmlint reports errors"
		else
			grep ': W: ' "$work/rpmlint.log" | sed 's/^/    /' || true
			pass "rpmlint: no error (${summary_line#*checked; })"
		fi
	else
		show "$work/rpm.log" 60
		fail "rpmbuild -bb --nodeps (log: $work/rpm.log)"
	fi
fi

if [ "$debs_ok" != 1 ]; then
	skip "installation tests: no .debs"
	summary
	exit 1
fi

# ---- 2. local apt repository, install by name ----
pkgs=(libspdkrt1 libspdkrt-dev spdkrt-tools python3-spdkrt)
[ -z "$fio_src" ] || pkgs+=(spdkrt-fio)
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'; }
for p in "${pkgs[@]}"; do
	if installed "$p"; then
		echo "note: $p was installed before the test: purging it first"
		$SUDO apt-get purge -y -qq "$p" >/dev/null
	fi
done
repo=$work/repo
mkdir -p "$repo" "$work/apt/lists/partial"
cp "$work"/deb/*.deb "$repo/"
(cd "$repo" && apt-ftparchive packages . >Packages && apt-ftparchive release . >Release)
chmod -R a+rX "$work"
echo "deb [trusted=yes] file:$repo ./" >"$work/apt/sources.list"
# apt as a user runs it, but with its lists kept here, only this repository as a source and no
# cache files written: the machine's apt state is left alone.
apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=-"
	-o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
	-o "APT::Get::List-Cleanup=false" -o "DPkg::Lock::Timeout=300")
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get "${apt_opts[@]}" update >"$work/apt-update.log" 2>&1 &&
	$SUDO apt-get "${apt_opts[@]}" install -y --no-install-recommends "${pkgs[@]:1}" \
		>"$work/apt-install.log" 2>&1; then
	pass "apt-get install ${pkgs[*]:1} from a local file: repository"
else
	show "$work/apt-update.log" 10
	show "$work/apt-install.log"
	fail "apt-get install ${pkgs[*]:1}"
fi
for p in "${pkgs[@]}"; do
	installed "$p" || fail "$p is not installed"
done

# ---- 3. as a user ----
user=$work/user
mkdir -p "$user"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
examples=/usr/share/doc/libspdkrt-dev/examples
pcdir=$(pkg-config --variable=pcfiledir spdkrt 2>/dev/null || true)
if [ "$pcdir" = "/usr/lib/$multiarch/pkgconfig" ] && [ "$(pkg-config --modversion spdkrt)" = "$version" ]; then
	pass "pkg-config spdkrt $version from $pcdir: $(pkg-config --cflags --libs spdkrt)"
else
	fail "pkg-config finds spdkrt.pc in '${pcdir:-nowhere}', not /usr/lib/$multiarch/pkgconfig (a /usr/local install shadowing the package?)"
fi

bdev_defs=
if nm -D --defined-only "/usr/lib/$multiarch/libspdkrt.so.1" >"$work/exports" 2>/dev/null &&
	! grep -q ' spdkrt_bdev_create@' "$work/exports"; then
	bdev_defs=-DCONSUMER_NO_BDEV
	skip "malloc bdev round trip: the library does not export spdkrt_bdev_create yet"
fi
cp "$examples/consumer.c" "$user/prog.c"
cd "$user"
# shellcheck disable=SC2046,SC2086
if cc $bdev_defs prog.c $(pkg-config --cflags --libs spdkrt) -o prog >cc.log 2>&1; then
	lib=$(ldd ./prog | awk '$1 == "libspdkrt.so.1" { print $3 }')
	if ./prog >run.log 2>&1; then
		pass "cc prog.c \$(pkg-config --cflags --libs spdkrt): runs against $lib$([ -n "$bdev_defs" ] || echo "; malloc bdev written, read back, verified")"
	else
		show run.log
		fail "the out-of-tree program failed"
	fi
else
	show cc.log
	fail "cc prog.c \$(pkg-config --cflags --libs spdkrt)"
fi
# The out-of-tree bdev module example, from the installed -dev package: built with its own
# Makefile (pkg-config only), then its write + verify through the module.
if [ -z "$bdev_defs" ] && [ -d "$examples/passthru" ]; then
	cp -r "$examples/passthru" "$user/passthru"
	if make -C "$user/passthru" >"$user/passthru-cc.log" 2>&1 &&
		"$user/passthru/passthru_verify" >"$user/passthru-run.log" 2>&1; then
		pass "out-of-tree bdev module (examples/passthru, its Makefile with pkg-config): $(grep '^verify:' "$user/passthru-run.log")"
	else
		show "$user/passthru-cc.log"
		show "$user/passthru-run.log"
		fail "the passthru example module from the -dev package"
	fi
else
	fail "no $examples/passthru in libspdkrt-dev"
fi
static_libs=$(pkg-config --static --libs spdkrt)
static_libs=${static_libs/-lspdkrt/-l:libspdkrt.a}
# shellcheck disable=SC2046,SC2086
if cc $bdev_defs prog.c $(pkg-config --cflags spdkrt) -o prog-static $static_libs >cc-static.log 2>&1; then
	if readelf -d prog-static | grep 'NEEDED.*libspdkrt' >/dev/null; then
		fail "the static program still needs libspdkrt.so"
	elif ./prog-static >run-static.log 2>&1; then
		pass "static link with pkg-config --static ($static_libs) runs"
	else
		show run-static.log
		fail "the statically linked program failed"
	fi
else
	show cc-static.log
	fail "static link: cc prog.c \$(pkg-config --cflags spdkrt) $static_libs"
fi
cd "$top"

# dlopen + dlsym of every public function (the list comes from the headers).
if cc "$top/tests/abi/dlopen_all.c" -o "$user/dlopen_all" -ldl 2>"$user/dlopen-cc.log" &&
	"$top/scripts/abi-symbols.py" api >"$user/api" 2>"$user/api.err"; then
	if "$user/dlopen_all" "$version" <"$user/api" >"$user/dlopen.log" 2>&1; then
		pass "dlopen(libspdkrt.so.1) + dlsym of every public function: $(sed -n 's/^ok: //p' "$user/dlopen.log")"
	else
		show "$user/dlopen.log"
		fail "dlopen/dlsym of the public functions"
	fi
else
	cat "$user/dlopen-cc.log" "$user/api.err" 2>/dev/null | sed 's/^/    /'
	fail "cannot build the dlopen test"
fi

# A man(3) page for every public function (the list comes from the headers).
nopage=
for f in $(awk '{ print $1 }' "$user/api" 2>/dev/null) spdkrt; do
	man -w 3 "$f" 2>/dev/null | grep -q "^/usr/share/man/man3/$f.3.gz$" || nopage="$nopage $f"
done
if [ ! -s "$user/api" ]; then
	fail "man(3) pages: no API list"
elif [ -z "$nopage" ]; then
	pass "man 3 finds a page for each of the $(wc -l <"$user/api") public functions, and spdkrt(3)"
else
	fail "no man(3) page for:$nopage"
fi

# The Python package: its pytest suite (python/tests, with the example from the package's doc
# directory) against the installed module and library, with the distribution's python3; the
# structure layouts compared with the installed headers'.
pytests=$user/pytests
cp -r "$top/python/tests" "$pytests"
(cd "$user" && cc $(pkg-config --cflags spdkrt) "$top/tests/abi/layout.c" -o layout && ./layout >layout.txt) ||
	fail "cannot build tests/abi/layout.c against the installed headers"
pyenv=(env -u SPDKRT_LIBRARY -u LD_LIBRARY_PATH -u PYTHONPATH PYTHONDONTWRITEBYTECODE=1)
module=$(cd "$user" && "${pyenv[@]}" /usr/bin/python3 -B -c 'import spdkrt; print(spdkrt.__file__, spdkrt.load().path)' 2>&1) || true
if [[ $module == /usr/lib/python3/dist-packages/spdkrt/__init__.py\ libspdkrt.so.1 ]]; then
	pass "python3 -c 'import spdkrt': $module"
else
	fail "import spdkrt from python3-spdkrt: $module"
fi
if (cd "$pytests" && "${pyenv[@]}" SPDKRT_EXPECT_VERSION="$version" SPDKRT_LAYOUT_FILE="$user/layout.txt" \
	SPDKRT_PY_EXAMPLES=/usr/share/doc/python3-spdkrt/examples \
	/usr/bin/python3 -B -m pytest -p no:cacheprovider -ra --rootdir "$pytests" "$pytests") \
	>"$user/pytest.log" 2>&1; then
	pass "python3 -m pytest python/tests against python3-spdkrt: $(tail -n1 "$user/pytest.log" | tr -d '=')"
else
	show "$user/pytest.log" 60
	fail "python3 -m pytest python/tests against python3-spdkrt"
fi

# Go (cgo, #cgo pkg-config: spdkrt) and Rust (extern "C", no crates) from the installed examples,
# built with the distribution's golang-go and rustc and run against the installed library.
for lang in go rust; do
	case $lang in
	go)
		src=$examples/hello_bdev.go tool=/usr/bin/go
		build() { (cd "$user/go" && GOCACHE="$user/go/cache" GOPATH="$user/go/path" GO111MODULE=off \
			GOFLAGS= /usr/bin/go build -o hello_bdev "$src"); } ;;
	rust)
		src=$examples/hello_bdev.rs tool=/usr/bin/rustc
		# shellcheck disable=SC2046
		build() { /usr/bin/rustc -O "$src" -o "$user/rust/hello_bdev" \
			$(pkg-config --libs-only-L spdkrt | sed 's/-L/-L /g') -l spdkrt; } ;;
	esac
	mkdir -p "$user/$lang"
	if [ ! -x "$tool" ]; then
		fail "$lang example: $tool missing (scripts/pkgdep.sh installs it)"
	elif [ ! -f "$src" ]; then
		fail "$src is not installed"
	elif build >"$user/$lang.log" 2>&1 && "$user/$lang/hello_bdev" >>"$user/$lang.log" 2>&1; then
		pass "$(grep '^PASS: ' "$user/$lang.log" | sed 's/^PASS: //') ($($tool version 2>/dev/null || $tool --version))"
	else
		show "$user/$lang.log"
		fail "$src built with $tool against the installed library"
	fi
done

# spdkrt-fio: the installed engine in the installed fio, by its documented external: path, a
# crc32c write+verify on a malloc bdev; the module has no RPATH and finds the installed library.
if [ -n "$fio_src" ]; then
	engine=/usr/lib/$multiarch/spdkrt/spdkrt_fio.so
	if [ ! -f "$engine" ]; then
		fail "spdkrt-fio: $engine is not installed"
	elif readelf -d "$engine" | grep -qE 'RPATH|RUNPATH'; then
		fail "spdkrt-fio: $engine has an RPATH: $(readelf -d "$engine" | grep -E 'RPATH|RUNPATH')"
	elif (cd "$user" && timeout 120 fio --thread=1 "--ioengine=external:$engine" --spdkrt_no_huge=1 \
		--spdkrt_bdev=malloc:name=Malloc0,size_mb=64 --filename=Malloc0 --name=verify \
		--rw=randwrite --bs=4k --iodepth=16 --size=16M --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --verify_state_save=0 --output-format=json) >"$user/fio.json" 2>"$user/fio.err" &&
		python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
assert j["error"] == 0 and j["write"]["io_kbytes"] == 16384 and j["read"]["io_kbytes"] == 16384, j' \
			"$user/fio.json" 2>>"$user/fio.err"; then
		pass "spdkrt-fio: fio --ioengine=external:$engine, 16 MiB crc32c write+verify on a malloc bdev"
	else
		show "$user/fio.err"
		fail "spdkrt-fio: fio with the installed engine"
	fi
fi

# Tools from PATH.
tools=$(dpkg -L spdkrt-tools | grep '^/usr/bin/spdkrt-' | sed 's|.*/||' | sort | tr '\n' ' ')
bad=
for tool in $tools; do
	command -v "$tool" >/dev/null && "$tool" --help >/dev/null 2>&1 || bad="$bad $tool"
	[ -f "/usr/share/man/man1/$tool.1.gz" ] || bad="$bad $tool(man page)"
done
if [ -z "$bad" ]; then
	pass "tools on PATH, each with --help and a man page: $tools"
else
	fail "tools: --help failed or man page missing:$bad"
fi
if spdkrt-setup status >"$user/setup.log" 2>&1 && grep -q '^Hugepages' "$user/setup.log"; then
	pass "spdkrt-setup status"
	sed 's/^/    /' "$user/setup.log"
else
	show "$user/setup.log"
	fail "spdkrt-setup status"
fi
if command -v spdkrt-bdevperf >/dev/null; then
	if timeout 120 spdkrt-bdevperf --no-huge -q 32 -o 4096 -w verify -t 1 \
		-b malloc:name=Malloc0,size_mb=64 >"$user/bdevperf.log" 2>&1; then
		pass "spdkrt-bdevperf --no-huge -q 32 -o 4096 -w verify -t 1 -b malloc:..."
		tail -n 4 "$user/bdevperf.log" | sed 's/^/    /'
	else
		show "$user/bdevperf.log"
		fail "spdkrt-bdevperf (1 s verify on a malloc bdev)"
	fi
else
	skip "spdkrt-bdevperf: not in spdkrt-tools yet (examples/bdev/bdevperf is not built)"
fi

# ---- 4. purge: nothing left behind ----
dpkg -L "${pkgs[@]}" 2>/dev/null | sort -u >"$work/files"
if $SUDO apt-get "${apt_opts[@]}" purge -y "${pkgs[@]}" >"$work/apt-purge.log" 2>&1; then
	left=
	while read -r f; do
		[ -n "$f" ] && [ "$f" != /. ] || continue
		if [ -d "$f" ] && [ ! -L "$f" ]; then
			# A directory may stay if another package owns it.
			dpkg -S "$f" >/dev/null 2>&1 || left="$left $f/"
		elif [ -e "$f" ] || [ -L "$f" ]; then
			left="$left $f"
		fi
	done <"$work/files"
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'not-installed' ||
			[ -z "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" ] || left="$left dpkg:$p"
	done
	ls /var/lib/dpkg/info/libspdkrt1* /var/lib/dpkg/info/libspdkrt-dev* \
		/var/lib/dpkg/info/spdkrt-tools* /var/lib/dpkg/info/python3-spdkrt* \
		/var/lib/dpkg/info/spdkrt-fio* >/dev/null 2>&1 &&
		left="$left /var/lib/dpkg/info/<package>.*"
	ldconfig -p | grep libspdkrt >/dev/null && left="$left ld.so.cache:libspdkrt"
	if [ -z "$left" ]; then
		pass "apt-get purge: none of the $(wc -l <"$work/files") paths of the packages is left"
	else
		fail "left after apt-get purge:$left"
	fi
else
	show "$work/apt-purge.log"
	fail "apt-get purge ${pkgs[*]}"
fi

summary
