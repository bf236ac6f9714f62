#!/usr/bin/env bash
# The exported ABI of the built libspdkrt.so.1 is exactly the public API:
#  - the functions the public headers declare with SPDKRT_API (scripts/list-api.py), the names in
#    libspdkrt/libspdkrt.map and the symbols the .so exports (readelf --dyn-syms) are one set;
#  - each symbol is a function, at the default version of the node the map puts it in, and every
#    node is LIBSPDKRT_<major>.<minor> (LIBSPDKRT_1.0 for release 1.0); nothing else is exported;
#  - SONAME libspdkrt.so.<major>; no undefined symbol left (-z defs) and no DT_NEEDED entry the
#    library does not use; no text relocations, no executable stack;
#  - debian/libspdkrt1.symbols matches the map (scripts/abi-symbols.py check).
# The lists are read from the sources every time: nothing here names a function.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
so=$top_builddir/libspdkrt/.libs/libspdkrt.so.1
failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}
pass() { echo "ok: $*"; }

command -v python3 >/dev/null || {
	echo "SKIP: python3 is needed to read the public headers"
	exit 77
}
command -v readelf >/dev/null || {
	echo "SKIP: readelf (binutils) not found"
	exit 77
}
[ -f "$so" ] || {
	echo "FAIL: $so not built"
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Headers against the version script (abi-symbols.py checks both ways and the node names).
if "$top_srcdir/scripts/abi-symbols.py" list >"$tmp/map" 2>"$tmp/map.err"; then
	pass "libspdkrt.map lists exactly the $(wc -l <"$tmp/map") functions declared with SPDKRT_API"
else
	fail "$(cat "$tmp/map.err")"
	# Still compare what can be compared: the map alone, as the linker sees it.
	python3 - "$top_srcdir/libspdkrt/libspdkrt.map" >"$tmp/map" <<'EOF' || true
import re, sys
t = re.sub(r"/\*.*?\*/", " ", open(sys.argv[1]).read(), flags=re.S)
for m in re.finditer(r"(\w[\w.]*)\s*\{(.*?)\}", t, flags=re.S):
    body = m.group(2).split("local:")[0]
    for n in re.findall(r"\b(spdkrt_\w+)\s*;", body):
        print(n, m.group(1))
EOF
fi
"$top_srcdir/scripts/list-api.py" >"$tmp/api"

# 2. What the library exports: defined, global or weak, with their version.
readelf -W --dyn-syms "$so" | awk '
	$1 ~ /^[0-9]+:$/ && $7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK" || $5 == "UNIQUE") {
		name = $8; ver = ""; def = 0
		if (index(name, "@@")) { split(name, a, "@@"); name = a[1]; ver = a[2]; def = 1 }
		else if (index(name, "@")) { split(name, a, "@"); name = a[1]; ver = a[2] }
		if (ver == "" && $7 == "ABS" && $3 == 0) next   # a version node definition
		print name, ver, $4, def
	}' | sort >"$tmp/exported"
cut -d' ' -f1 "$tmp/exported" | sort -u >"$tmp/exported.names"

missing=$(comm -23 "$tmp/api" "$tmp/exported.names")
extra=$(comm -13 "$tmp/api" "$tmp/exported.names")
if [ -z "$missing" ] && [ -z "$extra" ]; then
	pass "libspdkrt.so.1 exports exactly the $(wc -l <"$tmp/api") public functions"
fi
for n in $missing; do
	fail "$n is declared in include/spdkrt but not exported (not implemented yet, or missing from libspdkrt.map)"
done
for n in $extra; do
	fail "$n is exported but not declared with SPDKRT_API in include/spdkrt (make it static or hidden)"
done

# 3. Types and versions: each export a function at the default version of its map node.
bad=0
while read -r name ver type def; do
	want=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/map")
	if [ "$type" != FUNC ]; then
		fail "$name is exported as $type: only functions may be exported"
		bad=1
	fi
	if [ -z "$ver" ]; then
		fail "$name is exported without a version (the version script is not applied?)"
		bad=1
	elif [ -n "$want" ] && [ "$ver" != "$want" ]; then
		fail "$name is exported at $ver but libspdkrt.map puts it in $want"
		bad=1
	elif [ "$def" != 1 ]; then
		fail "$name@$ver is not the default version (@@)"
		bad=1
	fi
done <"$tmp/exported"
nodes=$(cut -d' ' -f2 "$tmp/exported" | sort -u | tr '\n' ' ')
[ "$bad" = 1 ] || pass "every export is a function at the default version of its map node ($nodes)"
for v in $nodes; do
	[[ $v =~ ^LIBSPDKRT_[0-9]+\.[0-9]+$ ]] || fail "version node $v is not LIBSPDKRT_<major>.<minor>"
done

# 4. SONAME from the major version of the headers.
major=$(sed -n 's/^#define SPDKRT_VERSION_MAJOR \([0-9]*\).*/\1/p' "$top_builddir/include/spdkrt/version.h")
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "libspdkrt.so.$major" ]; then
	pass "SONAME $soname"
else
	fail "SONAME is '$soname', expected libspdkrt.so.$major"
fi
for v in $nodes; do
	[[ $v == LIBSPDKRT_$major.* ]] || fail "version node $v does not belong to major version $major"
done

# 5. Dependencies: nothing undefined (-z defs), no unused DT_NEEDED, dlopen-able alone.
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
undef=$(ldd -r "$so" 2>&1 | grep -E 'undefined symbol' || true)
if [ -z "$undef" ]; then
	pass "no undefined symbol after loading the DT_NEEDED libraries (-z defs clean)"
else
	fail "undefined symbols: $undef"
fi
unused=$(ldd -u -r "$so" 2>/dev/null | sed -n 's|^[[:space:]]*/.*/||p' || true)
if [ -z "$unused" ]; then
	pass "DT_NEEDED: $needed- every one used"
else
	fail "DT_NEEDED entries the library does not use: $(echo "$unused" | tr '\n' ' ')(link only the libraries spdkrt calls)"
fi

# 6. Hardening facts lintian and rpmlint also check.
if readelf -d "$so" | grep TEXTREL >/dev/null; then fail "text relocations (objects built without -fPIC)"; fi
if readelf -lW "$so" | awk '$1 == "GNU_STACK" && $7 ~ /E/ { found = 1 } END { exit !found }'; then
	fail "executable stack (an assembly file without .note.GNU-stack?)"
fi

# 7. The Debian symbols file follows the map.
if [ -f "$top_srcdir/debian/libspdkrt1.symbols" ]; then
	if "$top_srcdir/scripts/abi-symbols.py" check >"$tmp/deb" 2>&1; then
		pass "debian/libspdkrt1.symbols matches libspdkrt.map"
	else
		fail "$(cat "$tmp/deb")"
	fi
fi

[ "$failed" = 0 ] && echo "PASS: exported symbols = public API"
exit "$failed"
