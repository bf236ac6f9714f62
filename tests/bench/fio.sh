#!/usr/bin/env bash
# fio plugin benchmark: 4 KiB random reads at queue depth 128, one job on one core.
#  1. fio + spdkrt_fio.so against spdkrt's own bdevperf on the same null and malloc bdevs: the
#     plugin's cost (fio's and the engine's work per I/O) over the library's native tool.
#     Target on malloc: fio + plugin >= 0.7x bdevperf.
#  2. fio + plugin on an aio bdev (and a uring bdev) over a /dev/shm file against fio's own
#     libaio and io_uring engines on the same file. Target: plugin on aio >= 1.0x fio libaio.
# Every case runs BENCH_REPS times, interleaved round by round (the VMs' memory bandwidth drifts
# a lot): each case's best run is printed, and each ratio is the median of the per-round ratios
# (both sides measured back to back) next to the ratio of the best runs.
# Prints figures only; asserts nothing. Not part of make check.
#
# fio runs lean for every engine alike (it is a throughput comparison; bdevperf keeps no
# per-I/O latencies either): --norandommap --gtod_reduce=1, thread=1, pinned like bdevperf.
#
# Usage: tests/bench/fio.sh
# Environment: FIO_BUILDDIR (build-fio/), BENCH_TIME seconds per run (5), BENCH_REPS (5),
# BENCH_CORE the core for both tools (the first core this process may use), BENCH_AIO_MB size
# of the /dev/shm file (1024).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${FIO_BUILDDIR:-$top/build-fio}
time_s=${BENCH_TIME:-5}
reps=${BENCH_REPS:-5}
aio_mb=${BENCH_AIO_MB:-1024}
core=${BENCH_CORE:-$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')}

command -v fio >/dev/null 2>&1 || {
	echo "fio is not installed (scripts/pkgdep.sh installs it)" >&2
	exit 1
}
plugin=$builddir/examples/fio/.libs/spdkrt_fio.so
perf=$builddir/examples/bdev/bdevperf
if [ ! -f "$plugin" ] || [ ! -x "$perf" ]; then
	fio_src=$("$top/scripts/fio-source.sh")
	echo "building in $builddir"
	BUILDDIR="$builddir" "$top/scripts/build.sh" --enable-werror --with-fio="$fio_src"
fi
make -s -C "$builddir" examples/fio/spdkrt_fio.la examples/bdev/bdevperf >/dev/null

tmp=$(mktemp -d)
shm=/dev/shm/spdkrt-fio-bench.$$.img
trap 'rm -rf "$tmp" "$shm"' EXIT

null="null:name=Null0,size_mb=1024,block_size=512"
malloc="malloc:name=Malloc0,size_mb=128,block_size=512"
lean=(--thread=1 --name=bench --rw=randread --bs=4k --iodepth=128 --numjobs=1 --time_based
	"--runtime=$time_s" "--cpus_allowed=$core" --norandommap --gtod_reduce=1
	--output-format=json)

# Each run appends "ROUND LABEL IOPS" to $tmp/results.
round=0
record() {
	echo "$round $1 $2" >>"$tmp/results"
	printf '  %-36s %14s IOPS\n' "$1" "$(printf "%'.0f" "$2")"
}

fio_iops() { # JSON file -> the job's read IOPS
	python3 - "$1" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
print(json.loads(text[text.index("{"):])["jobs"][0]["read"]["iops"])
EOF
}

run_bdevperf() { # LABEL SPEC
	"$perf" --no-huge -s 512 -m "$core" -q 128 -o 4096 -w randread -t "$time_s" -b "$2" \
		--json >"$tmp/out.json"
	record "$1" "$(python3 -c \
		'import json, sys; print(json.load(open(sys.argv[1]))["total"]["iops"])' "$tmp/out.json")"
}

run_plugin() { # LABEL SPEC BDEV_NAME
	fio "${lean[@]}" "--ioengine=external:$plugin" --spdkrt_no_huge=1 --spdkrt_mem_mb=512 \
		"--spdkrt_bdev=$2" "--filename=$3" >"$tmp/out.json" 2>"$tmp/err"
	record "$1" "$(fio_iops "$tmp/out.json")"
}

run_fio_engine() { # LABEL ENGINE
	fio "${lean[@]}" "--ioengine=$2" --direct=0 "--filename=$shm" >"$tmp/out.json"
	record "$1" "$(fio_iops "$tmp/out.json")"
}

echo "fio plugin benchmark: 4 KiB randread, QD128, 1 job on core $core, ${time_s} s per run," \
	"best of $reps ($(fio --version); $(nproc) CPUs:" \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"

echo "preparing a ${aio_mb} MiB file in /dev/shm (tmpfs has no O_DIRECT: every engine reads" \
	"it buffered)"
dd if=/dev/urandom of="$shm" bs=1M count="$aio_mb" status=none
uring=yes
fio "${lean[@]}" --runtime=1 --ioengine=external:"$plugin" --spdkrt_no_huge=1 \
	"--spdkrt_bdev=uring:name=Uring0,filename=$shm" --filename=Uring0 >/dev/null 2>&1 || uring=no

for round in $(seq "$reps"); do
	echo "round $round/$reps"
	run_bdevperf "bdevperf null" "$null"
	run_plugin "fio+plugin null" "$null" Null0
	run_bdevperf "bdevperf malloc" "$malloc"
	run_plugin "fio+plugin malloc" "$malloc" Malloc0
	run_plugin "fio+plugin aio (/dev/shm)" "aio:name=Aio0,filename=$shm" Aio0
	[ "$uring" = yes ] && run_plugin "fio+plugin uring (/dev/shm)" \
		"uring:name=Uring0,filename=$shm" Uring0
	run_fio_engine "fio libaio (/dev/shm)" libaio
	run_fio_engine "fio io_uring (/dev/shm)" io_uring
done

echo
python3 - "$tmp/results" <<'EOF'
import statistics, sys
runs = {}  # label -> {round: iops}
for line in open(sys.argv[1]):
    rnd, rest = line.split(" ", 1)
    label, iops = rest.rsplit(" ", 1)
    runs.setdefault(label, {})[int(rnd)] = float(iops)
best = {label: max(r.values()) for label, r in runs.items()}

def row(label):
    if label in best:
        iops = best[label]
        print(f"{label:<30} {iops:>14,.0f} IOPS {1e9 / iops:>9.1f} ns/IO")

def ratio(a, b, what, target=None):
    if a not in runs or b not in runs:
        return
    per_round = [runs[a][r] / runs[b][r] for r in runs[a] if r in runs[b]]
    med = statistics.median(per_round)
    t = ""
    if target is not None:
        t = f"  target >= {target}: {'met' if med >= target else 'NOT met'}"
    rounds = " ".join(f"{x:.2f}" for x in per_round)
    print(f"  {what:<32} {med:5.2f}x median ({rounds}); best/best {best[a] / best[b]:.2f}x{t}")

print("best run of each case:")
for label in ["bdevperf null", "fio+plugin null", "bdevperf malloc", "fio+plugin malloc",
              "fio+plugin aio (/dev/shm)", "fio+plugin uring (/dev/shm)",
              "fio libaio (/dev/shm)", "fio io_uring (/dev/shm)"]:
    row(label)
print()
print("ratios (per round, median):")
ratio("fio+plugin null", "bdevperf null", "fio+plugin / bdevperf, null")
ratio("fio+plugin malloc", "bdevperf malloc", "fio+plugin / bdevperf, malloc", 0.7)
ratio("fio+plugin aio (/dev/shm)", "fio libaio (/dev/shm)", "fio+plugin aio / fio libaio", 1.0)
ratio("fio+plugin aio (/dev/shm)", "fio io_uring (/dev/shm)", "fio+plugin aio / fio io_uring")
ratio("fio+plugin uring (/dev/shm)", "fio io_uring (/dev/shm)", "fio+plugin uring / fio io_uring")
if "bdevperf null" in best and "fio+plugin null" in best:
    extra = 1e9 / best["fio+plugin null"] - 1e9 / best["bdevperf null"]
    print(f"  fio's and the engine's cost per I/O over bdevperf (null, best runs): {extra:.0f} ns")
EOF
