#!/usr/bin/env bash
# spdkrt-nvmf-tgt as a user runs it: started from a JSON configuration (no hugepages, one
# core), changed over JSON-RPC with spdkrt-rpc, hosts doing I/O through it over 127.0.0.1,
# save_config written and started from again, SIGTERM and SIGINT stopping it cleanly. Reads end
# with C2HData SUCCESS (c2h_success), which the test host accepts as the completion. A secure
# channel listener takes TLS 1.3 PSK hosts (key files and keys given over RPC) and nothing else.
set -uo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
tgt=$top_builddir/app/nvmf_tgt/nvmf_tgt
io=$top_builddir/tests/integration/nvmf_io
rpc_client=$top_srcdir/app/nvmf_tgt/spdkrt-rpc
start_s=$(date +%s)
[ -x "$tgt" ] || { echo "SKIP: spdkrt-nvmf-tgt not built (json-c missing)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
export RUNTIME_DIRECTORY=$tmp/run
mkdir -p "$RUNTIME_DIRECTORY"
sock=$tmp/rpc.sock
rpc() { timeout 30 python3 -B "$rpc_client" -s "$sock" "$@"; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nqn1=nqn.2016-06.io.spdk:cnode1
nqn2=nqn.2016-06.io.spdk:cnode2
nqn3=nqn.2016-06.io.spdk:secure3
tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tport2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The test host's NQN (tests/unit/nvmf/test_host.h) and keys (NVMe TLS PSK interchange format).
hostnqn=nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-1111-2222-3333-444444444444
key=NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:
key2=NVMeTLSkey-1:02:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vcSEgBQ==:
wrong_key=NVMeTLSkey-1:01:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOeXryU:

start_tgt() {
	local conf=$1
	: >"$tmp/tgt.log"
	"$tgt" -c "$conf" -r "$sock" -m 0x1 --no-huge -s 256 >"$tmp/tgt.log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		grep -q ready "$tmp/tgt.log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "the target did not start from $conf"
	sed 's/^/  log: /' "$tmp/tgt.log" | tail -n 20
	return 1
}

stop_tgt() {
	local sig=$1 rc=0
	kill -"$sig" "$pid"
	timeout 30 tail --pid="$pid" -f /dev/null || fail "the target did not stop on SIG$sig"
	wait "$pid" || rc=$?
	pid=
	[ "$rc" -eq 0 ] || { fail "the target exited $rc on SIG$sig"; tail -n 20 "$tmp/tgt.log"; }
}

(umask 077 && echo "$key" >"$tmp/host.psk")
cat >"$tmp/conf.json" <<CONF
{ "target": { "max_queue_depth": 64, "c2h_success": true },
  "bdevs": [ "malloc:name=Malloc0,size_mb=16,block_size=512",
             "malloc:name=Malloc2,size_mb=8,block_size=512" ],
  "listeners": [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "$port" },
                 { "traddr": "127.0.0.1", "trsvcid": "$tport", "secure_channel": true } ],
  "subsystems": [ { "nqn": "$nqn1", "serial_number": "SPDKRT-TEST-1", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Malloc0" } ] },
                  { "nqn": "$nqn3", "hosts": [ { "nqn": "$hostnqn", "psk_file": "$tmp/host.psk" } ],
                    "namespaces": [ { "nsid": 1, "bdev": "Malloc2" } ] } ] }
CONF

# No arguments: help on stdout, status 0. A bad configuration: a clear error, status 1.
"$tgt" >"$tmp/help.out" 2>&1 || fail "no arguments: non-zero exit"
grep -q 'usage:' "$tmp/help.out" || fail "no arguments: no usage text"
echo '{ "bdevs": [], "listners": [] }' >"$tmp/bad.json"
rc=0
timeout 60 "$tgt" -c "$tmp/bad.json" -r "$sock" -m 0x1 --no-huge >"$tmp/bad.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "bad configuration: exit $rc, expected 1"
grep -q "unknown key 'listners'" "$tmp/bad.out" || fail "bad configuration: no clear message"

start_tgt "$tmp/conf.json" || exit 1
[ "$(stat -c %a "$sock")" = 600 ] || fail "RPC socket is not owner-only"
rpc nvmf_get_subsystems >"$tmp/subs.json" || fail "nvmf_get_subsystems"
grep -q "\"$nqn1\"" "$tmp/subs.json" || fail "cnode1 not listed"
grep -q SPDKRT-TEST-1 "$tmp/subs.json" || fail "serial number not listed"
timeout 60 "$io" "$port" "$nqn1" || fail "I/O through the target"
timeout 60 "$io" "$port" "$nqn1" digests || fail "I/O with digests through the target"

# TLS: the right key through the secure listener (with and without digests); a wrong key,
# plaintext to the secure listener, and the keyed host on the plain listener all fail.
timeout 60 "$io" "$tport" "$nqn3" "psk=$key" || fail "I/O over TLS"
timeout 60 "$io" "$tport" "$nqn3" digests "psk=$key" || fail "I/O over TLS with digests"
timeout 60 "$io" "$tport" "$nqn3" "psk=$wrong_key" >/dev/null 2>&1 && fail "TLS with a wrong key worked"
timeout 60 "$io" "$tport" "$nqn3" >/dev/null 2>&1 && fail "plaintext to the secure listener worked"
timeout 60 "$io" "$port" "$nqn3" >/dev/null 2>&1 && fail "a keyed host connected without TLS"
grep -q "PSK was refused" "$tmp/tgt.log" || fail "wrong key: no log line"
grep -q "must connect over TLS" "$tmp/tgt.log" || fail "keyed host without TLS: no log line"
timeout 60 "$io" "$tport" "$nqn3" "psk=$key" || fail "TLS after the refusals"
# Keys over RPC: a secure listener, a SHA-384 key inline; a key file others can read is refused.
rpc nvmf_add_listener 127.0.0.1 "$tport2" --secure-channel >/dev/null || fail "add secure listener"
echo "$key" >"$tmp/open.psk" && chmod 644 "$tmp/open.psk"
rpc nvmf_subsystem_add_host "$nqn3" nqn.2014-08.org.example:host9 --psk-file "$tmp/open.psk" \
	>/dev/null 2>&1 && fail "a world-readable key file was accepted"
grep -q "only its owner can read" "$tmp/tgt.log" || fail "world-readable key file: no log line"
rpc nvmf_subsystem_remove_host "$nqn3" "$hostnqn" >/dev/null || fail "remove keyed host"
rpc nvmf_subsystem_add_host "$nqn3" "$hostnqn" --psk "$key2" >/dev/null || fail "add host --psk"
timeout 60 "$io" "$tport2" "$nqn3" "psk=$key2" || fail "I/O over TLS (SHA-384 key given over RPC)"
timeout 60 "$io" "$tport2" "$nqn3" "psk=$key" >/dev/null 2>&1 && fail "the replaced key still worked"

# Run-time changes.
rpc bdev_create malloc:name=Malloc1,size_mb=8,block_size=4096 >/dev/null || fail "bdev_create"
rpc nvmf_create_subsystem "$nqn2" -a -s SN2 >/dev/null || fail "nvmf_create_subsystem"
[ "$(rpc nvmf_subsystem_add_ns "$nqn2" Malloc1)" = 1 ] || fail "nvmf_subsystem_add_ns"
rpc nvmf_subsystem_add_ns "$nqn2" NoSuchBdev >/dev/null 2>"$tmp/err" &&
	fail "add_ns of a missing bdev succeeded"
grep -q 'No such device' "$tmp/err" || fail "add_ns of a missing bdev: no clear error"
rpc nvmf_subsystem_add_host "$nqn1" nqn.2014-08.org.example:host1 >/dev/null || fail "add_host"
timeout 60 "$io" "$port" "$nqn2" || fail "I/O to the subsystem made over RPC"
rpc nvmf_get_stats >"$tmp/stats.json" || fail "nvmf_get_stats"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["bytes_written"] >= 3*69632 and s["connections_open"] == 0 else 1)' \
	"$tmp/stats.json" || { fail "statistics"; cat "$tmp/stats.json"; }
# (Outputs go to files first: grep -q closing a pipe early would fail the writer.)
rpc bdev_get_bdevs >"$tmp/bdevs.json" || fail "bdev_get_bdevs"
grep -q '"Malloc1"' "$tmp/bdevs.json" || fail "bdev_get_bdevs: Malloc1 not listed"
echo '{"jsonrpc":"2.0","id":7,"method":"no_such_method"}' >"$tmp/raw"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(open(sys.argv[2],"rb").read()); print(s.recv(4096).decode())' \
	"$sock" "$tmp/raw" >"$tmp/raw.out" || fail "raw JSON-RPC request"
grep -q -- '-32601' "$tmp/raw.out" || fail "unknown method: no JSON-RPC error"
# A subsystem of its own listener (the secure one) is not reachable on the plain one.
rpc nvmf_subsystem_add_listener "$nqn1" 127.0.0.1 "$tport" >/dev/null ||
	fail "nvmf_subsystem_add_listener"
rpc nvmf_subsystem_add_listener "$nqn1" 127.0.0.1 1 >/dev/null 2>&1 &&
	fail "nvmf_subsystem_add_listener of a port the target does not listen on"
timeout 60 "$io" "$port" "$nqn1" >/dev/null 2>&1 && fail "cnode1 reachable off its listener"
rpc save_config -f "$tmp/saved.json" >/dev/null || fail "save_config"
[ "$(stat -c %a "$tmp/saved.json")" = 600 ] || fail "save_config file is not owner-only"
grep -q '"secure_channel": *true' "$tmp/saved.json" || fail "secure listener lost in save_config"
grep -q "$key2" "$tmp/saved.json" || fail "host PSK lost in save_config"
stop_tgt TERM

# Start again from what save_config wrote: everything is back.
start_tgt "$tmp/saved.json" || exit 1
rpc nvmf_get_subsystems >"$tmp/subs2.json" || fail "nvmf_get_subsystems after restart"
grep -q "\"$nqn2\"" "$tmp/subs2.json" || fail "cnode2 lost in save_config"
grep -q 'nqn.2014-08.org.example:host1' "$tmp/subs2.json" || fail "host lost in save_config"
grep -qE '"c2h_success": ?true' "$tmp/saved.json" || fail "target options lost in save_config"
timeout 60 "$io" "$port" "$nqn2" || fail "I/O after restart"
timeout 60 "$io" "$port" "$nqn1" >/dev/null 2>&1 && fail "cnode1's own listener lost in save_config"
timeout 60 "$io" "$tport2" "$nqn3" "psk=$key2" || fail "TLS I/O after restart"
stop_tgt INT

echo "nvmf_tgt.sh: $failures failure(s), $(($(date +%s) - start_s)) s"
[ "$failures" -eq 0 ]
