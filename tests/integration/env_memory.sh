#!/usr/bin/env bash
# The env through the real library: without hugepages always; as root, also the "no free
# hugepages" error and a run on hugepages reserved for the test (restored afterwards).
set -euo pipefail
prog=${top_builddir:-.}/tests/integration/env_memory

"$prog" --no-huge

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: hugepage cases need root"
	exit 0
fi

nr_file=/proc/sys/vm/nr_hugepages
saved=$(cat "$nr_file")
mnt=$(mktemp -d)
cleanup() {
	umount "$mnt" 2>/dev/null || true
	rmdir "$mnt" 2>/dev/null || true
	echo "$saved" > "$nr_file" || true
}
trap cleanup EXIT

free_pages=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
if [ "$free_pages" -eq 0 ]; then
	"$prog" --expect-no-hugepages
fi

echo $((saved + 64)) > "$nr_file"
if [ "$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)" -lt 16 ]; then
	echo "SKIP: could not reserve hugepages"
	exit 0
fi
mount -t hugetlbfs nodev "$mnt"
"$prog" --huge-dir="$mnt"
