#!/usr/bin/env bash
# Fetches the source of the installed fio (the same Debian source version as /usr/bin/fio),
# unpacks it with Debian's patches and runs fio's own ./configure in it, so that the spdkrt fio
# plugin can be compiled against fio's headers and the config-host.h they need
# (./configure --with-fio=DIR).
#
# The system's apt configuration is left untouched: a private sources.list (deb-src lines for
# the archive and suite the installed fio came from) and private lists/cache directories under
# the cache directory. The result is cached: a second run prints the same directory at once.
#
# Usage: scripts/fio-source.sh            prints the configured fio source directory on stdout
# Environment: SPDKRT_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/spdkrt)
# Exit status: 0 with the directory on stdout; 1 when fio is not installed or the source cannot
# be fetched (the reason is on stderr).
set -euo pipefail

die() {
	echo "fio-source.sh: $*" >&2
	exit 1
}
note() {
	echo "fio-source.sh: $*" >&2
}

command -v dpkg-query >/dev/null 2>&1 || die "not a Debian system (no dpkg-query)"
command -v apt-get >/dev/null 2>&1 || die "no apt-get"
command -v dpkg-source >/dev/null 2>&1 ||
	die "dpkg-source not found: install dpkg-dev (scripts/pkgdep.sh does)"

status=$(dpkg-query -W -f='${Status}' fio 2>/dev/null || true)
[ "$status" = "install ok installed" ] || die "fio is not installed (apt-get install fio)"
src_pkg=$(dpkg-query -W -f='${source:Package}' fio)
src_ver=$(dpkg-query -W -f='${source:Version}' fio)
bin_ver=$(dpkg-query -W -f='${Version}' fio)
upstream_ver=${src_ver#*:}
upstream_ver=${upstream_ver%-*}

cache=${SPDKRT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/spdkrt}/fio
tree=$cache/src/$src_pkg-$src_ver
# What the tree was configured with; a change of either reconfigures.
configure_args=(--disable-native --prefix=/usr)
stamp="$src_pkg $src_ver configure ${configure_args[*]}"

if [ -f "$tree/.spdkrt-ready" ] && [ "$(cat "$tree/.spdkrt-ready")" = "$stamp" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Another run may have finished while this one waited for the lock.
if [ -f "$tree/.spdkrt-ready" ] && [ "$(cat "$tree/.spdkrt-ready")" = "$stamp" ]; then
	echo "$tree"
	exit 0
fi

# --- 1. deb-src lines for the archive the installed fio came from ---------------------------

# Every enabled "deb" entry of the system's sources as "uri suite components signed-by" lines
# (one-line .list format and deb822 .sources format).
system_entries() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '
			{ sub(/#.*/, "") }
			$1 != "deb" { next }
			{
				signed = "-"; i = 2
				if ($2 ~ /^\[/) {
					opts = ""
					for (; i <= NF; i++) {
						opts = opts " " $i
						if ($i ~ /\]$/) { i++; break }
					}
					if (match(opts, /signed-by=[^] ]+/))
						signed = substr(opts, RSTART + 10, RLENGTH - 10)
				}
				uri = $i; suite = $(i + 1); comps = ""
				for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : ",") $j
				if (uri != "" && suite != "") print uri, suite, comps, signed
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && enabled != "no") {
					n = split(uris, u, " "); m = split(suites, s, " ")
					gsub(/ +/, ",", comps)
					for (a = 1; a <= n; a++)
						for (b = 1; b <= m; b++)
							print u[a], s[b], comps, (signed == "" ? "-" : signed)
				}
				types = uris = suites = comps = signed = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { next }   # continuation lines (an inline key): not a file name
			{
				key = tolower($1); sub(/:$/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "components") comps = val
				else if (key == "enabled") enabled = tolower(val)
				else if (key == "signed-by" && val ~ /^\//) signed = val
			}
			END { flush() }' "$f"
	done
}

# The "uri suite component" triples apt-cache policy lists for the installed version.
installed_origins() {
	LC_ALL=C apt-cache policy fio 2>/dev/null | awk -v ver="$bin_ver" '
		# version lines: " *** 3.33-3 500" or "     3.33-2 500"; origins have 8 spaces
		/^ \*\*\* / { on = ($2 == ver); next }
		/^     [^ ]/ { on = ($1 == ver); next }
		on && $2 ~ /:\/\// && $NF == "Packages" {
			sc = $3; comp = sc; sub(/.*\//, "", comp); suite = sc; sub(/\/[^\/]*$/, "", suite)
			print $2, suite, comp
		}'
}

mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial"
list=$cache/apt/sources.list
entries=$(system_entries)
origins=$(installed_origins)
: >"$list.new"
if [ -n "$origins" ]; then
	while read -r uri suite comp; do
		signed=$(awk -v u="${uri%/}" -v s="$suite" \
			'{ x = $1; sub(/\/$/, "", x) } x == u && $2 == s && $4 != "-" { print $4; exit }' \
			<<<"$entries")
		opt=
		[ -n "$signed" ] && opt="[signed-by=$signed] "
		echo "deb-src $opt$uri $suite $comp" >>"$list.new"
	done <<<"$origins"
elif [ -n "$entries" ]; then
	note "the installed fio ($bin_ver) is in no configured archive; trying every deb-src of them"
	while read -r uri suite comps signed; do
		opt=
		[ "$signed" != "-" ] && opt="[signed-by=$signed] "
		echo "deb-src $opt$uri $suite ${comps//,/ }" >>"$list.new"
	done <<<"$entries"
else
	die "no apt sources found in /etc/apt/sources.list(.d)"
fi
sort -u "$list.new" >"$list"
rm -f "$list.new"

apt_private=(
	-o "Dir::Etc::SourceList=$list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$cache/apt/lists"
	-o "Dir::Cache=$cache/apt/cache"
	-o "Debug::NoLocking=1"
)
# As root, apt downloads as the unprivileged _apt user, which cannot write into a private
# directory under root's home: download as root (the files are checked against the signed
# index all the same).
[ "$(id -u)" -eq 0 ] && apt_private+=(-o "APT::Sandbox::User=root")

# --- 2. fetch and unpack ---------------------------------------------------------------------

note "fetching the source of $src_pkg $src_ver with a private apt configuration:"
sed 's/^/    /' "$list" >&2
if ! apt-get -q "${apt_private[@]}" update >"$cache/apt/update.log" 2>&1; then
	# Some lines may have failed while the one needed worked: the source download decides.
	note "apt-get update reported errors (see $cache/apt/update.log); trying the download anyway"
fi
work=$(mktemp -d "$cache/src/.fetch.XXXXXX" 2>/dev/null || { mkdir -p "$cache/src" &&
	mktemp -d "$cache/src/.fetch.XXXXXX"; })
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get -q "${apt_private[@]}" source --download-only \
	"$src_pkg=$src_ver" >"$work/source.log" 2>&1); then
	grep -E '^(W|E|Err):' "$cache/apt/update.log" | head -n 5 | sed 's/^/    update: /' >&2 || true
	sed 's/^/    /' "$work/source.log" >&2
	die "could not download the source of $src_pkg $src_ver (is a deb-src archive reachable?)"
fi
dsc=$(ls "$work"/*.dsc 2>/dev/null | head -n 1)
[ -n "$dsc" ] || die "apt-get source downloaded no .dsc"
if ! dpkg-source -x "$dsc" "$work/tree" >"$work/unpack.log" 2>&1; then
	sed 's/^/    /' "$work/unpack.log" >&2
	die "dpkg-source -x failed"
fi

# --- 3. configure ----------------------------------------------------------------------------

# fio's headers need the config-host.h its configure generates. Debian configures with
# "--disable-native --prefix=/usr --enable-gfio --enable-libnbd": the last two only add the GUI
# and one engine and change no structure the plugin sees.
if ! (cd "$work/tree" && ./configure "${configure_args[@]}" >"$work/configure.log" 2>&1); then
	tail -n 20 "$work/configure.log" >&2
	die "fio's ./configure failed"
fi
[ -f "$work/tree/config-host.h" ] || die "fio's ./configure made no config-host.h"
cp "$work/configure.log" "$work/tree/.spdkrt-configure.log"

tree_ver=$(sed -n 's/^DEF_VER=//p' "$work/tree/FIO-VERSION-GEN" 2>/dev/null || true)
if [ -n "$tree_ver" ] && [ "$tree_ver" != "fio-$upstream_ver" ]; then
	note "warning: the source says $tree_ver, the installed package is $bin_ver"
fi
if command -v fio >/dev/null 2>&1 && [ "$(fio --version 2>/dev/null)" != "fio-$upstream_ver" ]; then
	note "warning: 'fio --version' says $(fio --version 2>/dev/null), the package is $bin_ver"
fi

rm -rf "$tree"
mv "$work/tree" "$tree"
echo "$stamp" >"$tree/.spdkrt-ready"
note "fio $src_ver source configured in $tree"
echo "$tree"
