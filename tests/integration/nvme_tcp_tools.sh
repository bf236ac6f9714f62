#!/usr/bin/env bash
# spdkrt-nvme-identify and -perf with -r 'trtype:TCP ...' against spdkrt-nvmf-tgt over 127.0.0.1
# (the driver's TCP transport from the real programs and the shared library): identify (text and
# JSON), perf reads and large writes (R2T), and a subsystem that does not exist; the NVMe/TCP
# options: digests (-H/-I, seen in the target's debug log), --hostnqn and hostnqn: in -r, TLS with
# --psk-path (the right key, a wrong key, a key file others can read); spdkrt-nvme-reserve from
# two hosts (host NQN and host id of Connect) on one namespace. hello_world,
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
tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nqn=nqn.2016-06.io.spdkrt:tools
snqn=nqn.2016-06.io.spdkrt:tools-tls
rnqn=nqn.2016-06.io.spdkrt:tools-resv
hostnqn=nqn.2014-08.org.nvmexpress:uuid:7e57c0de-0000-4000-8000-0000000000aa
key=NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:
wrong_key=NVMeTLSkey-1:01:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOeXryU:
(umask 077 && echo "$key" >"$tmp/host.psk" && echo "$key" >"$tmp/tool.psk" &&
	echo "$wrong_key" >"$tmp/wrong.psk")
echo "$key" >"$tmp/open.psk" && chmod 644 "$tmp/open.psk"
cat >"$tmp/conf.json" <<CONF
{ "target": { "c2h_success": true },
  "bdevs": [ "malloc:name=Malloc0,size_mb=16,block_size=512",
             "malloc:name=Malloc1,size_mb=8,block_size=512",
             "malloc:name=Malloc2,size_mb=4,block_size=512" ],
  "listeners": [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "$port" },
                 { "traddr": "127.0.0.1", "trsvcid": "$tport", "secure_channel": true } ],
  "subsystems": [ { "nqn": "$nqn", "serial_number": "SPDKRT-TCP-TOOLS", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Malloc0" } ] },
                  { "nqn": "$snqn", "serial_number": "SPDKRT-TCP-TLS",
                    "hosts": [ { "nqn": "$hostnqn", "psk_file": "$tmp/host.psk" } ],
                    "namespaces": [ { "nsid": 1, "bdev": "Malloc1" } ] },
                  { "nqn": "$rnqn", "serial_number": "SPDKRT-TCP-RESV", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Malloc2" } ] } ] }
CONF
# -L 4: the target logs the digests each ICReq asks for.
"$tgt" -c "$tmp/conf.json" -r "$tmp/rpc.sock" -m 0x1 --no-huge -s 256 -L 4 >"$tmp/tgt.log" 2>&1 &
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
# Digests: asked for with -H / -I (SPDK perf's letters), granted, and used for data both ways.
run identify_digests 0 "$ex/nvme_identify" --no-huge -H -I -r "$trid" &&
	expect_in identify_digests out "SPDKRT-TCP-TOOLS"
grep -q "header digest 1, data digest 1" "$tmp/tgt.log" || fail "no ICReq asked for both digests"
run perf_digests 0 "$ex/nvme_perf" --no-huge --enable-tcp-hdgst --enable-tcp-ddgst -r "$trid" \
	-t 1 -q 16 -o 131072 -w randrw -M 50 --json &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["total"]
assert t["errors"] == 0 and t["iops"] > 0' "$tmp/perf_digests.out" || fail "perf_digests: errors"
run discover_digests 0 "$ex/nvme_discover" --no-huge -H -I -r "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$port" &&
	expect_in discover_digests out "subnqn:  $nqn"
# TLS: the PSK from a file, the host NQN the key belongs to from hostnqn: in -r or --hostnqn.
strid="trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$tport subnqn:$snqn"
run hello_tls 0 "$ex/nvme_hello_world" --no-huge -r "$strid hostnqn:$hostnqn" --psk-path "$tmp/tool.psk" &&
	expect_in hello_tls out "Hello world"
run identify_tls 0 "$ex/nvme_identify" --no-huge -H -I --hostnqn "$hostnqn" -r "$strid" \
	--psk-path "$tmp/tool.psk" && expect_in identify_tls out "SPDKRT-TCP-TLS"
run perf_tls 0 "$ex/nvme_perf" --no-huge --hostnqn "$hostnqn" --psk-path "$tmp/tool.psk" \
	-r "$strid" -t 1 -q 16 -o 16384 -w randrw --json &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["total"]["errors"] == 0' \
		"$tmp/perf_tls.out" || fail "perf_tls: errors"
run tls_wrong_key 1 "$ex/nvme_identify" --no-huge --hostnqn "$hostnqn" --psk-path "$tmp/wrong.psk" -r "$strid"
run tls_no_key 1 "$ex/nvme_identify" --no-huge --hostnqn "$hostnqn" -r "$strid"
run tls_open_key_file 1 "$ex/nvme_identify" --no-huge --hostnqn "$hostnqn" --psk-path "$tmp/open.psk" -r "$strid" &&
	expect_in tls_open_key_file err "chmod 600"
run tls_missing_key_file 1 "$ex/nvme_identify" --no-huge --psk-path "$tmp/none.psk" -r "$strid" &&
	expect_in tls_missing_key_file err "none.psk"
run bad_hostnqn 1 "$ex/nvme_identify" --no-huge -r "$trid hostnqn:" &&
	expect_in bad_hostnqn err "host NQN"
run no_subsystem 1 "$ex/nvme_identify" --no-huge -r "${trid/subnqn:$nqn/subnqn:nqn.2016-06.io.spdkrt:none}" &&
	expect_in no_subsystem err "refused"

# Reservations between two hosts, each its own process: the target knows a host by the host id
# of Connect, so the state outlives each connection. A holds write-exclusive: B reads, B's write
# is a RESERVATION CONFLICT, B's report names A as holder; after A releases, B writes.
rtrid="trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$port subnqn:$rnqn"
ida=aaaaaaaa00004000800000000000000a
idb=bbbbbbbb00004000800000000000000b
host_a=(--no-huge --hostnqn nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-4000-8000-00000000000a --hostid "$ida" -r "$rtrid")
host_b=(--no-huge --hostnqn nqn.2014-08.org.nvmexpress:uuid:bbbbbbbb-0000-4000-8000-00000000000b --hostid "$idb" -r "$rtrid")
run resv_a_acquire 0 "$ex/nvme_reserve" "${host_a[@]}" register 0xa1 acquire write-exclusive 0xa1 report && {
	expect_in resv_a_acquire out "^acquire write-exclusive 0xa1: ok"
	expect_in resv_a_acquire out "registrant hostid $ida key 0xa1 cntlid 0xffff (holder)"
}
run resv_b_blocked 1 "$ex/nvme_reserve" "${host_b[@]}" --json read 0 write 0 report &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["steps"]; a=sys.argv[2]
assert s[0]["step"] == "read" and s[0]["ok"], s[0]
assert s[1]["step"] == "write" and not s[1]["ok"] and s[1]["sc"] == 0x83, s[1]
assert s[1]["status"].startswith("RESERVATION CONFLICT"), s[1]
r = s[2]["report"]
assert s[2]["ok"] and r["type_name"] == "write-exclusive" and r["holder"] == a, r
assert r["registrants"] == [{"hostid": a, "key": 0xa1, "cntlid": 0xffff, "holder": True}], r
assert d["failed"] == 1' "$tmp/resv_b_blocked.out" "$ida" || fail "resv_b_blocked: bad JSON or report"
run resv_a_release 0 "$ex/nvme_reserve" "${host_a[@]}" release write-exclusive 0xa1
run resv_b_writes 0 "$ex/nvme_reserve" "${host_b[@]}" write 0 read 0 report && {
	expect_in resv_b_writes out "^write 0: ok"
	expect_in resv_b_writes out "type none (0), 1 registrant"
	expect_in resv_b_writes out "holder: none"
}
# A holds again; B registers and preempts it (key 0xa1 goes, B holds exclusive-access): A, no
# longer registered, can no longer write.
run resv_a_again 0 "$ex/nvme_reserve" "${host_a[@]}" acquire write-exclusive 0xa1
run resv_b_preempt 0 "$ex/nvme_reserve" "${host_b[@]}" register 0xb2 preempt 0xb2 0xa1 exclusive-access report &&
	expect_in resv_b_preempt out "registrant hostid $idb key 0xb2 cntlid 0xffff (holder)"
run resv_a_preempted 1 "$ex/nvme_reserve" "${host_a[@]}" write 0 release ea 0xa1 &&
	expect_in resv_a_preempted out "^write 0: RESERVATION CONFLICT"
run resv_b_clear 0 "$ex/nvme_reserve" "${host_b[@]}" clear 0xb2 report &&
	expect_in resv_b_clear out "0 registrants"

kill -TERM "$pid"
timeout 30 tail --pid="$pid" -f /dev/null || fail "the target did not stop"
pid=
echo "nvme_tcp_tools.sh: wall $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?') s"
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS: nvme tools over TCP"
