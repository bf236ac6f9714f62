#!/usr/bin/env bash
# Checks that abi-check.sh tells compatible from incompatible changes, on a small library built
# here in variants of a baseline "release 1.0" (version node LIBSPDKRT_1.0; the release being
# developed is 1.1):
#   pass: nothing changed; a function added in LIBSPDKRT_1.1; a field appended to a
#         size-prefixed options structure; a change inside an opaque structure
#   fail: a function added to the released node LIBSPDKRT_1.0; a function removed; a changed
#         signature; a changed public structure; a field inserted in the middle of an options
#         structure
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CC=${CC:-cc}
for tool in abidw abidiff; do
	command -v $tool >/dev/null || {
		echo "SKIP: $tool not found (install abigail-tools on Debian, libabigail on Fedora)"
		exit 77
	}
done
# The library under test is not instrumented, whatever CC's defaults for this build are.
unset LD_PRELOAD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/include"

cat >"$tmp/include/fake.h" <<'H'
#include <stddef.h>
struct spdkrt_fake;
struct spdkrt_fake_opts {
	size_t size;
#ifdef OPTS_MIDDLE
	int extra;
#endif
	int depth;
#ifdef OPTS_APPEND
	int extra;
#endif
};
struct spdkrt_fake_info {
	int a;
#ifdef STRUCT_CHANGE
	long b;
#else
	int b;
#endif
};
int spdkrt_fake_opts_init(struct spdkrt_fake_opts *opts, size_t size);
int spdkrt_fake_open(const struct spdkrt_fake_opts *opts, struct spdkrt_fake **f);
int spdkrt_fake_get_info(struct spdkrt_fake *f, struct spdkrt_fake_info *info);
#ifndef REMOVE
#ifdef SIG_CHANGE
int spdkrt_fake_op(struct spdkrt_fake *f, long x);
#else
int spdkrt_fake_op(struct spdkrt_fake *f, int x);
#endif
#endif
#if defined(ADD_11) || defined(ADD_10)
int spdkrt_fake_new_op(struct spdkrt_fake *f);
#endif
H
cat >"$tmp/fake.c" <<'C'
#include <stdlib.h>
#include <string.h>
#include "fake.h"
struct spdkrt_fake {
	int state;
#ifdef OPAQUE_CHANGE
	char more[64];
#endif
};
int spdkrt_fake_opts_init(struct spdkrt_fake_opts *opts, size_t size)
{
	memset(opts, 0, size);
	opts->size = size;
	return 0;
}
int spdkrt_fake_open(const struct spdkrt_fake_opts *opts, struct spdkrt_fake **f)
{
	*f = calloc(1, sizeof(**f));
	(*f)->state = opts->depth;
	return 0;
}
int spdkrt_fake_get_info(struct spdkrt_fake *f, struct spdkrt_fake_info *info)
{
	info->a = f->state;
	info->b = 0;
	return 0;
}
#ifndef REMOVE
#ifdef SIG_CHANGE
int spdkrt_fake_op(struct spdkrt_fake *f, long x)
#else
int spdkrt_fake_op(struct spdkrt_fake *f, int x)
#endif
{
	return f->state + (int)x;
}
#endif
#if defined(ADD_11) || defined(ADD_10)
int spdkrt_fake_new_op(struct spdkrt_fake *f)
{
	return f->state;
}
#endif
C

# build VARIANT [-DMACRO]: libfake.so.1 of that variant in $tmp/VARIANT/.
build() {
	local v=$1 def=${2:-} dir=$tmp/$1
	mkdir -p "$dir"
	{
		echo "LIBSPDKRT_1.0 { global: spdkrt_fake_opts_init; spdkrt_fake_open; spdkrt_fake_get_info;"
		[ "$def" = -DREMOVE ] || echo " spdkrt_fake_op;"
		[ "$def" != -DADD_10 ] || echo " spdkrt_fake_new_op;"
		echo " local: *; };"
		[ "$def" != -DADD_11 ] || echo "LIBSPDKRT_1.1 { global: spdkrt_fake_new_op; } LIBSPDKRT_1.0;"
	} >"$dir/fake.map"
	# shellcheck disable=SC2086
	$CC -g -O0 -fPIC -shared $def -I"$tmp/include" -Wl,--version-script="$dir/fake.map" \
		-Wl,-soname,libfake.so.1 -o "$dir/libfake.so.1" "$tmp/fake.c"
}

build base
export ABI_BASELINE=$tmp/base.abi ABI_HEADERS=$tmp/include ABI_DEV_NODE=LIBSPDKRT_1.1
export ABI_SUPPRESSIONS=$top_srcdir/tests/abi/abi.suppr
ABI_LIB=$tmp/base/libfake.so.1 "$top_srcdir/tests/abi/abi-check.sh" --update >/dev/null

failed=0
# expect pass|fail VARIANT [-DMACRO] DESCRIPTION
expect() {
	local want=$1 v=$2 def=$3 what=$4 got=pass
	build "$v" "$def"
	ABI_LIB=$tmp/$v/libfake.so.1 "$top_srcdir/tests/abi/abi-check.sh" >"$tmp/$v.log" 2>&1 || got=fail
	if [ "$got" = "$want" ]; then
		echo "ok: $what: abi-check says $got"
	else
		sed 's/^/    /' "$tmp/$v.log"
		echo "FAIL: $what: abi-check says $got, expected $want"
		failed=1
	fi
}
expect pass same "" "unchanged library"
expect pass add11 -DADD_11 "function added in the new node LIBSPDKRT_1.1"
expect pass append -DOPTS_APPEND "field appended to a size-prefixed options structure"
expect pass opaque -DOPAQUE_CHANGE "opaque structure changed"
expect fail add10 -DADD_10 "function added to the released node LIBSPDKRT_1.0"
expect fail remove -DREMOVE "function removed"
expect fail sig -DSIG_CHANGE "parameter type changed"
expect fail struct -DSTRUCT_CHANGE "public structure field type changed"
expect fail middle -DOPTS_MIDDLE "field inserted in the middle of an options structure"

[ "$failed" = 0 ] && echo "PASS: abi-check tells compatible from incompatible changes"
exit "$failed"
