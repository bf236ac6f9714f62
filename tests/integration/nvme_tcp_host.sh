#!/usr/bin/env bash
# spdkrt's NVMe/TCP host against spdkrt-nvmf-tgt over 127.0.0.1, as a user runs the programs:
# the target exports two subsystems; spdkrt-nvme-discover prints its discovery log (text and
# JSON), identify through the discovery NQN reaches both subsystems, hello_world writes over
# TCP, bdevperf verify runs on nvme bdevs given by their TCP spec (with and without digests),
# a bdev spec naming a closed port fails cleanly, and a target killed during I/O makes bdevperf
# fail with a log line (no reconnect options), never hang or crash; with reconnect options a
# target killed and started again during verify is reconnected and the run ends without an
# error, and one never restarted fails the waiting I/O (fast_io_fail_timeout_sec, or the loss
# timeout). Behaviour only; no timing is asserted.
set -uo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/common/tool_checks.sh"
tgt=$top_builddir/app/nvmf_tgt/nvmf_tgt
nvme=$top_builddir/examples/nvme
perf=$top_builddir/examples/bdev/bdevperf
start_s=$(date +%s)
[ -x "$tgt" ] || { echo "SKIP: spdkrt-nvmf-tgt not built (json-c missing)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export RUNTIME_DIRECTORY=$tmp/run
mkdir -p "$RUNTIME_DIRECTORY"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nqn1=nqn.2026-12.io.spdkrt:host-test1
nqn2=nqn.2026-12.io.spdkrt:host-test2
disc=nqn.2014-08.org.nvmexpress.discovery
cat >"$tmp/conf.json" <<CONF
{ "bdevs": [ "malloc:name=Malloc0,size_mb=16,block_size=512",
             "malloc:name=Malloc1,size_mb=16,block_size=4096" ],
  "listeners": [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "$port" } ],
  "subsystems": [ { "nqn": "$nqn1", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Malloc0" } ] },
                  { "nqn": "$nqn2", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Malloc1" } ] } ] }
CONF
# start_target CONF LOG RPC: the daemon in the background ($pid); 0 once it says it is ready.
start_target() {
	"$tgt" -c "$1" -r "$3" -m 0x1 --no-huge -s 256 >"$2" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		grep -qs ready "$2" && return 0
		sleep 0.1
	done
	return 1
}
# wait_attached ERR: until bdevperf says its controller is attached (slow on a loaded host).
wait_attached() {
	for _ in $(seq 300); do
		grep -qs "attached" "$1" && return 0
		sleep 0.1
	done
	return 1
}
start_target "$tmp/conf.json" "$tmp/tgt.log" "$tmp/rpc.sock" ||
	{ cat "$tmp/tgt.log"; echo "FAIL: the target did not start"; exit 1; }

trid() { echo "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$1 subnqn:$2"; }
run discover 0 "$nvme/nvme_discover" --no-huge -r "$(trid "$port" "$disc")" && {
	expect_in discover out "Discovery Log Number of Records 2"
	expect_in discover out "^subnqn:  $nqn1"
	expect_in discover out "^subnqn:  $nqn2"
	expect_in discover out "^trsvcid: $port"
}
run discover_json 0 "$nvme/nvme_discover" --no-huge --json -r "$(trid "$port" "$disc")" &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert sorted(r["subnqn"] for r in d["records"]) == sys.argv[2:], d' \
		"$tmp/discover_json.out" "$nqn1" "$nqn2" || fail "discover_json: bad JSON"
run discover_closed 1 "$nvme/nvme_discover" --no-huge -r "$(trid "$closed" "$disc")" &&
	expect_in discover_closed err "cannot connect"
run identify_all 0 "$nvme/nvme_identify" --no-huge -r "$(trid "$port" "$disc")" &&
	[ "$(grep -c '^NVMe controller' "$tmp/identify_all.out")" -eq 2 ] ||
	fail "identify through the discovery NQN: expected 2 controllers"
run hello 0 "$nvme/nvme_hello_world" --no-huge -r "$(trid "$port" "$nqn1")" &&
	expect_in hello out "namespace 1: Hello world!"

spec() { echo "nvme:name=$1,trtype=tcp,adrfam=ipv4,traddr=127.0.0.1,trsvcid=$2,subnqn=$3$4"; }
run verify 0 "$perf" --no-huge -q 32 -o 4096 -w verify -t 1 -b "$(spec Tcp0 "$port" "$nqn1" "")" &&
	expect_in verify out "^Total"
run verify_digests 0 "$perf" --no-huge -q 16 -o 16384 -w verify -t 1 \
	-b "$(spec Tcp1 "$port" "$nqn2" ",hdgst=true,ddgst=true")" &&
	expect_in verify_digests out "^Total"
run verify_closed 1 "$perf" --no-huge -q 1 -o 4096 -w verify -t 1 \
	-b "$(spec Tcp2 "$closed" "$nqn1" "")"

kill -TERM "$pid"
wait "$pid" || fail "the target exited $? on SIGTERM"
pid=

# The target dies during I/O: the I/O fails with an error and bdevperf ends, no hang or crash.
# (on another port: the first one may still be in TIME_WAIT)
port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s/\"$port\"/\"$port2\"/" "$tmp/conf.json" >"$tmp/conf2.json"
start_target "$tmp/conf2.json" "$tmp/tgt2.log" "$tmp/rpc2.sock" ||
	fail "the second target did not start: $(tail -3 "$tmp/tgt2.log")"
rc=0
timeout 60 "$perf" --no-huge -q 16 -o 4096 -w verify -t 5 -b "$(spec Tcp3 "$port2" "$nqn1" "")" \
	>"$tmp/lost.out" 2>"$tmp/lost.err" &
bp=$!
# kill it once the controller is attached and I/O runs
wait_attached "$tmp/lost.err"
sleep 0.5
kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=
wait "$bp" || rc=$?
case $rc in
0) fail "bdevperf reported success although its target died" ;;
124) fail "bdevperf hung after its target died" ;;
1) grep -q "connection lost" "$tmp/lost.err" && echo "ok: lost target: I/O failed cleanly" ||
	{ fail "lost target: no log line about the lost connection"; tail -5 "$tmp/lost.err"; } ;;
*) fail "bdevperf ended with status $rc after its target died (a crash?)"; tail "$tmp/lost.err" ;;
esac
# Reconnect: with reconnect_delay_sec/ctrlr_loss_timeout_sec, a target killed during a verify run
# and started again (same port, its namespace on a file) is reconnected by the nvme bdev: the I/O
# the loss failed waits and goes again, the run ends without an error on the same bdev.
port3=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
truncate -s 16M "$tmp/disk3"
cat >"$tmp/conf3.json" <<CONF
{ "bdevs": [ "aio:name=Aio0,filename=$tmp/disk3,block_size=512" ],
  "listeners": [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "$port3" } ],
  "subsystems": [ { "nqn": "$nqn1", "allow_any_host": true,
                    "namespaces": [ { "nsid": 1, "bdev": "Aio0" } ] } ] }
CONF
start_tgt3() {
	start_target "$tmp/conf3.json" "$tmp/tgt3_$1.log" "$tmp/rpc3.sock" ||
		fail "target $1 for the reconnect run did not start: $(tail -3 "$tmp/tgt3_$1.log")"
}
start_tgt3 a
rc=0
timeout 90 "$perf" --no-huge -q 16 -o 4096 -w verify -t 8 \
	-b "$(spec Tcp4 "$port3" "$nqn1" ",reconnect_delay_sec=1,ctrlr_loss_timeout_sec=30")" \
	>"$tmp/reconnect.out" 2>"$tmp/reconnect.err" &
bp=$!
wait_attached "$tmp/reconnect.err"
sleep 1
kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=
sleep 1.5
start_tgt3 b
wait "$bp" || rc=$?
if [ "$rc" -eq 0 ] && grep -q "reconnect: attempt [0-9]* succeeded" "$tmp/reconnect.err" &&
	grep -q "waiting I/O goes again" "$tmp/reconnect.err" &&
	grep -q "^Total" "$tmp/reconnect.out" && grep -q "Tcp4n1" "$tmp/reconnect.out"; then
	echo "ok: target restarted during verify: reconnected, no I/O error," \
		"$(grep -c "reconnect: attempt [0-9]*$" "$tmp/reconnect.err") attempts"
else
	fail "reconnect run: bdevperf exit $rc"
	tail -20 "$tmp/reconnect.err"
	cat "$tmp/reconnect.out"
fi
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=

# The target never comes back: the waiting I/O fails with -EIO after fast_io_fail_timeout_sec,
# or once ctrlr_loss_timeout_sec has passed (the bdev then goes away); bdevperf ends, no hang.
for limit in ",fast_io_fail_timeout_sec=2" ""; do
	start_tgt3 "c$limit"
	rc=0
	timeout 60 "$perf" --no-huge -q 8 -o 4096 -w verify -t 30 \
		-b "$(spec Tcp5 "$port3" "$nqn1" ",reconnect_delay_sec=1,ctrlr_loss_timeout_sec=3$limit")" \
		>"$tmp/gone.out" 2>"$tmp/gone.err" &
	bp=$!
	wait_attached "$tmp/gone.err"
	sleep 1
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	pid=
	wait "$bp" || rc=$?
	if [ -n "$limit" ]; then
		why="not reconnected within fast_io_fail_timeout_sec"
	else
		why="controller lost: waiting I/O fails"
	fi
	if [ "$rc" -eq 1 ] && grep -q "$why" "$tmp/gone.err"; then
		echo "ok: target gone for good${limit:+ ($limit)}: waiting I/O failed: $why"
	else
		fail "target gone for good${limit:+ ($limit)}: bdevperf exit $rc"
		tail -20 "$tmp/gone.err"
	fi
done

echo "nvme_tcp_host.sh: wall $(($(date +%s) - start_s)) s"
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS: NVMe/TCP host against spdkrt-nvmf-tgt"
