#!/usr/bin/env bash
# bdev benchmark: bdevperf 4 KiB runs on the null and malloc bdevs (no hugepages, one core) and
# the cost of the deferred-completion path: the null bdev completing inside submit (every I/O
# through the channel's deferred queue) against complete=poller (a per-channel poller, as SPDK's
# null bdev does). Prints figures only; asserts nothing.
#
# Usage: tests/bench/bdev.sh
# Environment: BUILDDIR (default build/), BENCH_TIME seconds per run (10), BENCH_REPS runs of
# each deferral case, interleaved (3), BENCH_CORE core mask (the first core).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}
time_s=${BENCH_TIME:-10}
reps=${BENCH_REPS:-3}
core=${BENCH_CORE:-}
perf=$builddir/examples/bdev/bdevperf

if [ ! -x "$perf" ]; then
	echo "building in $builddir"
	BUILDDIR="$builddir" "$top/scripts/build.sh"
fi
make -s -C "$builddir" examples/bdev/bdevperf >/dev/null

null="null:name=Null0,size_mb=1024,block_size=512"
null_poller="null:name=Null0,size_mb=1024,block_size=512,complete=poller"
malloc="malloc:name=Malloc0,size_mb=128,block_size=512"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# bench LABEL QD WORKLOAD SPEC: one bdevperf run; prints a table row, records the JSON.
bench() {
	local label=$1 qd=$2 workload=$3 spec=$4 out=$tmp/$RANDOM.json
	local args=(--no-huge -s 512 -q "$qd" -o 4096 -w "$workload" -t "$time_s" -b "$spec" --json)
	[ -n "$core" ] && args+=(-m "$core")
	"$perf" "${args[@]}" >"$out"
	python3 - "$label" "$out" <<'EOF'
import json, sys
label, path = sys.argv[1], sys.argv[2]
t = json.load(open(path))["total"]
ns = 1e9 / t["iops"] if t["iops"] > 0 else float("inf")
print(f"{label:<34} {t['iops']:>14,.0f} {t['mibps']:>10,.1f} {ns:>8.1f} {t['avg_lat_us']:>10.2f}")
EOF
	echo "$label $out" >>"$tmp/index"
}

ns_of() { # label -> best (lowest) ns/IO among its runs
	python3 - "$1" "$tmp/index" <<'EOF'
import json, sys
label, index = sys.argv[1], sys.argv[2]
best = None
for line in open(index):
    name, path = line.rsplit(" ", 1)
    if name == label:
        iops = json.load(open(path.strip()))["total"]["iops"]
        ns = 1e9 / iops
        best = ns if best is None or ns < best else best
print(f"{best:.2f}")
EOF
}

echo "bdevperf, 4 KiB I/O, one core, --no-huge, ${time_s} s per run ($(nproc) CPUs:" \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
printf '%-34s %14s %10s %8s %10s\n' "case" "IOPS" "MiB/s" "ns/IO" "avg lat us"
bench "null randread QD128" 128 randread "$null"
bench "null randread QD1" 1 randread "$null"
bench "malloc randread QD128" 128 randread "$malloc"
bench "malloc randwrite QD128" 128 randwrite "$malloc"
for i in $(seq "$reps"); do
	bench "deferral: complete=submit #$i" 128 randread "$null"
	bench "deferral: complete=poller #$i" 128 randread "$null_poller"
done
sed -i 's/ #[0-9]* / /' "$tmp/index"
submit_ns=$(ns_of "deferral: complete=submit")
poller_ns=$(ns_of "deferral: complete=poller")
echo
echo "deferred path (null, complete=submit): ${submit_ns} ns/IO (best of $reps)"
echo "poller path   (null, complete=poller): ${poller_ns} ns/IO (best of $reps)"
python3 -c "import sys; s, p = map(float, sys.argv[1:]); \
print(f'ratio deferred/poller: {s / p:.3f} (target: <= 1.0, the deferred path is not slower)')" \
	"$submit_ns" "$poller_ns"
