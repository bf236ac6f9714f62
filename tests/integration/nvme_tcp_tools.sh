#!/usr/bin/env bash
# spdkrt-nvme-identify and -perf with -r 'trtype:TCP ...' against spdkrt-nvmf-tgt over 127.0.0.1
# (the driver's TCP transport from the real programs and the shared library): identify (text and
# JSON), perf reads and large writes (R2T), and a subsystem that does not exist. hello_world,
# discovery and bdevperf over TCP are in nvme_tcp_host.sh. Behaviour only (exit codes, messages, JSON); no timing asserted.
set -uo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/common/tool_checks.sh"
start=$(date +%s.%N)
tgt=$top_builddir/app/nvmf_tgt/nvmf_tgt
ex=$top_builddir/examples/nvme
[ -x "$tgt" ] || { echo "SKIP: spdkrt-nvmf-tgt not built (json-c missing)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export RUNTIME_DIRECTORY=$tmp/run
mkdir -p "$RUNTIME_DIRECTORY"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nqn=nqn.2016-06.io.spdkrt:tools
cat >"$tmp/conf.json" <<CONF
{ "target": { "c2h_success": true },
  "bdevs": [ "malloc:name=Malloc0,size_mb=16,block_size=512" ],
  "listeners": [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "$port" } ],
  "subsystems": [ { "nqn": "$nqn", "serial_number": "SPDKRT-TCP-TOOLS", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Malloc0" } ] } ] }
CONF
"$tgt" -c "$tmp/conf.json" -r "$tmp/rpc.sock" -m 0x1 --no-huge -s 256 >"$tmp/tgt.log" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q ready "$tmp/tgt.log" && break; sleep 0.1; done
grep -q ready "$tmp/tgt.log" || { fail "the target did not start"; cat "$tmp/tgt.log"; exit 1; }
trid="trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$port subnqn:$nqn"

run identify 0 "$ex/nvme_identify" --no-huge -r "$trid" && {
	expect_in identify out "NVMe controller 127.0.0.1"
	expect_in identify out "SPDKRT-TCP-TOOLS"
	expect_in identify out "32768 blocks of 512 bytes"
}
run identify_json 0 "$ex/nvme_identify" --no-huge --json -r "$trid" &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["controllers"][0]
assert c["traddr"] == "127.0.0.1" and c["namespaces"][0]["block_size"] == 512' \
		"$tmp/identify_json.out" || fail "identify_json: bad JSON"
run perf_read 0 "$ex/nvme_perf" --no-huge -r "$trid" -t 1 -q 64 -o 4096 -w randread --json &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["total"]["iops"] > 0 and d["total"]["errors"] == 0' "$tmp/perf_read.out" ||
	fail "perf_read: bad JSON or errors"
# 128 KiB writes go by R2T/H2CData (beyond the 8 KiB in-capsule limit), mixed with reads.
run perf_rw 0 "$ex/nvme_perf" --no-huge -r "$trid" -t 1 -q 16 -o 131072 -w randrw -M 50 --json &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["total"]["errors"] == 0' \
		"$tmp/perf_rw.out" || fail "perf_rw: errors"
run no_subsystem 1 "$ex/nvme_identify" --no-huge -r "${trid/subnqn:$nqn/subnqn:nqn.2016-06.io.spdkrt:none}" &&
	expect_in no_subsystem err "refused"

kill -TERM "$pid"
timeout 30 tail --pid="$pid" -f /dev/null || fail "the target did not stop"
pid=
echo "nvme_tcp_tools.sh: wall $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?') s"
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS: nvme tools over TCP"
