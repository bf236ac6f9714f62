#!/usr/bin/env bash
# NVMe/TCP host benchmark: spdkrt-nvme-perf over the driver's TCP transport (4 KiB random reads,
# QD128, one I/O queue) against spdkrt-nvmf-tgt exporting a null bdev over 127.0.0.1; target on
# one core, host on another. Baseline in the same invocation, on the same target: nvmf_load,
# the target's own minimal blocking test client. Prints host IOPS, host CPU ns per I/O and the
# ratio to the baseline; asserts nothing.
#
# Usage: tests/bench/nvme_tcp.sh
# Environment: BUILDDIR (default build/), BENCH_TIME seconds per run (10), BENCH_REPS (3),
# BENCH_TGT_CORE (0) and BENCH_HOST_CORE (1), BENCH_IO_SIZE bytes per read (4096).
# BENCH_COMPARE_LIB=DIR: each run also drives the same host program with the libspdkrt.so.1 in
# DIR (e.g. a copy from before a change), and the ratio this build / that library is printed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}
time_s=${BENCH_TIME:-10}
reps=${BENCH_REPS:-3}
tgt_core=${BENCH_TGT_CORE:-0}
host_core=${BENCH_HOST_CORE:-1}
io_size=${BENCH_IO_SIZE:-4096}
compare_lib=${BENCH_COMPARE_LIB:-}
[ -f "$builddir/Makefile" ] || BUILDDIR="$builddir" "$top/scripts/build.sh"
make -s -C "$builddir" app/nvmf_tgt/nvmf_tgt tests/bench/nvmf_load examples/nvme/nvme_perf \
	>/dev/null
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export RUNTIME_DIRECTORY=$tmp/run
mkdir -p "$RUNTIME_DIRECTORY"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nqn=nqn.2016-06.io.spdk:bench
cat >"$tmp/conf.json" <<CONF
{ "bdevs": [ "null:name=Null0,size_mb=1024" ],
  "listeners": [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "$port" } ],
  "subsystems": [ { "nqn": "$nqn", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Null0" } ] } ] }
CONF
"$builddir/app/nvmf_tgt/nvmf_tgt" -c "$tmp/conf.json" -r "$tmp/rpc.sock" -m "$((1 << tgt_core))" \
	--no-huge -s 512 >"$tmp/tgt.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$tmp/tgt.log" && break; sleep 0.1; done
grep -q ready "$tmp/tgt.log" || { cat "$tmp/tgt.log"; exit 1; }
trid="trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$port subnqn:$nqn"

# Runs a command on the host core; prints "<its stdout> <cpu seconds it used>".
run_timed() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], check=True, capture_output=True, text=True).stdout
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(out.strip().replace("\n", " "), ru.ru_utime + ru.ru_stime)
PY
}

echo "$io_size-byte random reads, QD128, null bdev over 127.0.0.1; target on core $tgt_core, host on" \
	"core $host_core; ${time_s} s per run, best of $reps ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
# Runs the host program (with the libspdkrt.so.1 of directory $1 when given); sets host and
# host_ns.
run_host() {
	local cmd=("$builddir/examples/nvme/nvme_perf")
	[ -z "$1" ] || cmd=(env LD_LIBRARY_PATH="$1" "$builddir/examples/nvme/.libs/nvme_perf")
	set -- $(run_timed taskset -c "$host_core" "${cmd[@]}" --no-huge \
		-r "$trid" -t "$time_s" -q 128 -o "$io_size" -w randread --json)
	host_cpu=${*: -1}
	host=$(python3 -c 'import json,sys; print(int(json.loads(sys.argv[1])["total"]["iops"]))' "${*:1:$#-1}")
	host_ns=$(python3 -c "print(int($host_cpu * 1e9 / max(1, $host * $time_s)))")
}

best_host=0
best_host_ns=0
best_base=0
ratios=()
for rep in $(seq "$reps"); do
	if [ -n "$compare_lib" ]; then
		run_host "$compare_lib"
		other=$host
		other_ns=$host_ns
	fi
	run_host ""
	if [ -n "$compare_lib" ]; then
		ratios+=("$(python3 -c "print($host / max(1, $other))")")
		echo "  run $rep: with $compare_lib: $other IOPS, $other_ns ns of host CPU per I/O"
	fi
	taskset -c "$host_core" "$builddir/tests/bench/nvmf_load" "$port" "$nqn" 128 "$time_s" "$io_size" >"$tmp/load.$rep"
	base=$(sed -n 's/.*QD [0-9]*: \([0-9]*\) IOPS.*/\1/p' "$tmp/load.$rep")
	echo "  run $rep: NVMe/TCP host (spdkrt-nvme-perf) $host IOPS, $host_ns ns of host CPU per I/O;" \
		"baseline nvmf_load $base IOPS"
	if [ "$host" -gt "$best_host" ]; then
		best_host=$host
		best_host_ns=$host_ns
	fi
	[ "$base" -gt "$best_base" ] && best_base=$base
done
python3 - "$best_host" "$best_host_ns" "$best_base" "${ratios[@]}" <<'EOF2'
import statistics, sys
host, host_ns, base = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(f"NVMe/TCP host, one I/O queue: {host:,} IOPS, {host_ns:,} ns of host CPU per I/O")
print(f"baseline nvmf_load:           {base:,} IOPS")
print(f"ratio host / baseline:        {host / max(1, base):.3f}")
if len(sys.argv) > 4:
    r = [float(x) for x in sys.argv[4:]]
    print(f"ratio this build / compared library, per run: {' '.join(f'{x:.3f}' for x in r)}; "
          f"median {statistics.median(r):.3f}")
EOF2
kill -TERM "$pid"
wait "$pid" || true
pid=
