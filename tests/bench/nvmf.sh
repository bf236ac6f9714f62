#!/usr/bin/env bash
# NVMe/TCP target benchmark: spdkrt-nvmf-tgt on one core (--no-huge) exporting a null bdev,
# driven over 127.0.0.1 by nvmf_load (one I/O queue, 4 KiB random reads, QD128) on another
# core, until the NVMe/TCP host's perf tool exists. Baseline in the same invocation: bdevperf
# on the same null bdev without the network (what one core does with no transport at all).
# The same load over TLS 1.3 (PSK, TLS_AES_128_GCM_SHA256) through a secure-channel listener,
# at 4 KiB and 128 KiB, beside plain TCP in the same invocation.
# Prints IOPS per target core and the ratios; asserts nothing.
#
# Usage: tests/bench/nvmf.sh
# Environment: BUILDDIR (default build/), BENCH_TIME seconds per run (10), BENCH_REPS (3),
# BENCH_TGT_CORE (0) and BENCH_HOST_CORE (1): the cores of the target and the load generator.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}
time_s=${BENCH_TIME:-10}
reps=${BENCH_REPS:-3}
tgt_core=${BENCH_TGT_CORE:-0}
host_core=${BENCH_HOST_CORE:-1}
[ -f "$builddir/Makefile" ] || BUILDDIR="$builddir" "$top/scripts/build.sh"
make -s -C "$builddir" app/nvmf_tgt/nvmf_tgt tests/bench/nvmf_load examples/bdev/bdevperf \
	>/dev/null
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export RUNTIME_DIRECTORY=$tmp/run
mkdir -p "$RUNTIME_DIRECTORY"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nqn=nqn.2016-06.io.spdk:bench
tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tnqn=nqn.2016-06.io.spdk:bench-tls
# nvmf_load's host NQN (tests/unit/nvmf/test_host.h) and a key (NVMe TLS PSK interchange format).
hostnqn=nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-1111-2222-3333-444444444444
key=NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:
null="null:name=Null0,size_mb=1024"
cat >"$tmp/conf.json" <<CONF
{ "bdevs": [ "$null" ],
  "listeners": [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "$port" },
                 { "traddr": "127.0.0.1", "trsvcid": "$tport", "secure_channel": true } ],
  "subsystems": [ { "nqn": "$nqn", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Null0" } ] },
                  { "nqn": "$tnqn", "hosts": [ { "nqn": "$hostnqn", "psk": "$key" } ],
                    "namespaces": [ { "nsid": 1, "bdev": "Null0" } ] } ] }
CONF
"$builddir/app/nvmf_tgt/nvmf_tgt" -c "$tmp/conf.json" -r "$tmp/rpc.sock" -m "$((1 << tgt_core))" \
	--no-huge -s 512 >"$tmp/tgt.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$tmp/tgt.log" && break; sleep 0.1; done
grep -q ready "$tmp/tgt.log" || { cat "$tmp/tgt.log"; exit 1; }

echo "4 KiB random reads, QD128, null bdev; target on core $tgt_core, load on core $host_core;" \
	"${time_s} s per run, best of $reps ($(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
best_tcp=0
best_local=0
for rep in $(seq "$reps"); do
	taskset -c "$host_core" "$builddir/tests/bench/nvmf_load" "$port" "$nqn" 128 "$time_s" \
		>"$tmp/load.$rep"
	tcp=$(sed -n 's/.*QD [0-9]*: \([0-9]*\) IOPS.*/\1/p' "$tmp/load.$rep")
	"$builddir/examples/bdev/bdevperf" --no-huge -s 512 -m "$((1 << tgt_core))" -q 128 \
		-o 4096 -w randread -t "$time_s" -b "$null" --json >"$tmp/local.$rep.json"
	local_iops=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["total"]["iops"]))' \
		"$tmp/local.$rep.json")
	echo "  run $rep: NVMe/TCP $tcp IOPS ($(sed -n 's/.*mean latency \([0-9.]*\) us.*/\1/p' "$tmp/load.$rep") us mean), local bdev $local_iops IOPS"
	[ "$tcp" -gt "$best_tcp" ] && best_tcp=$tcp
	[ "$local_iops" -gt "$best_local" ] && best_local=$local_iops
done
python3 - "$best_tcp" "$best_local" <<'EOF2'
import sys
tcp, local = int(sys.argv[1]), int(sys.argv[2])
print(f"NVMe/TCP target, one core: {tcp:,} IOPS ({1e9 / tcp:,.0f} ns/IO of target core)")
print(f"local bdev, one core:      {local:,} IOPS ({1e9 / local:,.0f} ns/IO)")
print(f"ratio NVMe/TCP / local:    {tcp / local:.3f}")
EOF2

# TLS beside plain TCP: 4 KiB (per-I/O cost) and 128 KiB (encryption bandwidth), QD128.
load() { # port nqn block_size [psk=KEY] -> IOPS
	taskset -c "$host_core" "$builddir/tests/bench/nvmf_load" "$1" "$2" 128 "$time_s" "$3" ${4:-} |
		sed -n 's/.*QD [0-9]*: \([0-9]*\) IOPS.*/\1/p'
}
for bs in 4096 131072; do
	best_plain=0
	best_tls=0
	for rep in $(seq "$reps"); do
		plain=$(load "$port" "$nqn" "$bs")
		tls=$(load "$tport" "$tnqn" "$bs" "psk=$key")
		echo "  run $rep, $((bs / 1024)) KiB: plain $plain IOPS, TLS $tls IOPS"
		[ "${plain:-0}" -gt "$best_plain" ] && best_plain=$plain
		[ "${tls:-0}" -gt "$best_tls" ] && best_tls=$tls
	done
	python3 - "$bs" "$best_plain" "$best_tls" <<'EOF2'
import sys
bs, plain, tls = (int(a) for a in sys.argv[1:])
print(f"{bs // 1024} KiB reads: plain {plain:,} IOPS ({plain * bs / 2**20:,.0f} MiB/s), "
      f"TLS {tls:,} IOPS ({tls * bs / 2**20:,.0f} MiB/s), ratio TLS / plain {tls / max(plain, 1):.3f}")
EOF2
done
kill -TERM "$pid"
wait "$pid" || true
pid=
