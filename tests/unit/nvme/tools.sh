#!/usr/bin/env bash
# spdkrt-nvme-hello-world, -identify, -perf, -manage, -arbitration, -reserve (and -discover's usage), and bdevperf on nvme bdevs: their whole logic over the NVMe controller model
# (the test builds register tests/models/nvme as a PCI function), and the real programs on this
# machine, which has no NVMe function bound for spdkrt: they must say so and fail.
# Behaviour only (exit codes, messages, JSON); no timing is asserted.
set -uo pipefail
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$(dirname "$0")/../../common/tool_checks.sh"
start=$(date +%s.%N)

d=$top_builddir/tests/unit/nvme
trid='trtype:PCIe traddr:0000:0e:00.0'

run hello_model 0 "$d/nvme_hello_world_model" && {
	expect_in hello_model out "0000:0e:00.0 namespace 1: Hello world!"
	expect_in hello_model out "0000:0e:00.0 namespace 2: Hello world!"
}
run hello_model_trid 0 "$d/nvme_hello_world_model" -r "$trid"
# The I/O SQ and the data buffer in the model's 2 MiB controller memory buffer.
SPDKRT_LOG_LEVEL=info run hello_model_cmb 0 "$d/nvme_hello_world_model" --cmb-sqs --cmb-buffer && {
	expect_in hello_model_cmb out "namespace 1 (data in the CMB): Hello world!"
	expect_in hello_model_cmb out "namespace 2 (data in the CMB): Hello world!"
	expect_in hello_model_cmb err "queue 1's SQ in the controller memory buffer"
}
SPDKRT_LOG_LEVEL=info run perf_model_cmb_sqs 0 "$d/nvme_perf_model" --cmb-sqs -t 0.2 -q 8 -w randrw &&
	expect_in perf_model_cmb_sqs err "queue 1's SQ in the controller memory buffer"
run identify_model 0 "$d/nvme_identify_model" && {
	expect_in identify_model out "NVMe controller 0000:0e:00.0"
	expect_in identify_model out "Namespace 2"
	expect_in identify_model out "4096 data + 0 metadata bytes (in use)"
}
run identify_model_json 0 "$d/nvme_identify_model" --json -r "$trid" &&
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["controllers"][0];
assert c["traddr"] == "0000:0e:00.0" and len(c["namespaces"]) == 2
assert c["namespaces"][1]["block_size"] == 4096' "$tmp/identify_model_json.out" ||
			fail "identify_model_json: bad JSON"
	fi
# bdevperf, unmodified, over the model: verify on an nvme bdev, then an exit that shuts the
# controller down and lets the app thread go (it used to wait for the model's poller).
bdevperf_spec='nvme:name=Nvme0,trtype=pcie,traddr=0000:0e:00.0'
run bdevperf_nvme_verify 0 "$d/bdevperf_model" -q 16 -o 4096 -w verify -t 1 -b "$bdevperf_spec" && {
	expect_in bdevperf_nvme_verify out "^Total"
	expect_in bdevperf_nvme_verify err "controller detached"
	expect_in bdevperf_nvme_verify err "1 shutdown"
	! grep -q "has not exited" "$tmp/bdevperf_nvme_verify.err" ||
		fail "bdevperf_nvme_verify: the app thread did not exit"
}
# Every namespace: the spec makes Nvme0n1 and Nvme0n2, a plain name runs on the second too.
run bdevperf_nvme_all_ns 0 "$d/bdevperf_model" -q 8 -o 4096 -w verify -t 1 \
	-b "$bdevperf_spec" -b Nvme0n2 && {
	expect_in bdevperf_nvme_all_ns out "^Nvme0n1 "
	expect_in bdevperf_nvme_all_ns out "^Nvme0n2 "
}
run bdevperf_unknown_name 1 "$d/bdevperf_model" -q 8 -o 4096 -w verify -t 1 \
	-b "$bdevperf_spec" -b Nvme0n9 &&
	expect_in bdevperf_unknown_name err "no bdev named 'Nvme0n9'"
run bdevperf_nvme_reset_opt 0 "$d/bdevperf_model" -q 8 -o 65536 -w randrw -M 50 -t 1 \
	-b "$bdevperf_spec,timeout_us=2000000,timeout_action=reset" &&
	expect_in bdevperf_nvme_reset_opt out "^Total"
run perf_model 0 "$d/nvme_perf_model" -t 0.3 -q 8 -o 4096 -w randrw -M 70 -L && {
	expect_in perf_model out "^Total"
	expect_in perf_model out "percentiles"
}
run perf_model_json 0 "$d/nvme_perf_model" -t 0.2 -q 4 -o 8192 -w write --json &&
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert len(d["namespaces"]) == 2 and d["total"]["iops"] > 0 and d["total"]["errors"] == 0' \
			"$tmp/perf_model_json.out" || fail "perf_model_json: bad JSON"
	fi
run perf_bad_size 0 "$d/nvme_perf_model" -t 0.1 -o 512 && expect_in perf_bad_size err "not a multiple"
run perf_usage 1 "$d/nvme_perf_model" -q 4
run perf_bad_pattern 1 "$d/nvme_perf_model" -t 1 -w sideways && expect_in perf_bad_pattern err "unknown pattern"
# nvme_manage: each run starts a fresh model (namespaces 1 and 2), so each command stands alone.
m=$d/nvme_manage_model
run manage_list 0 "$m" list && expect_in manage_list out "^2 1024 4096"
run manage_create 0 "$m" create-ns 64 3 && expect_in manage_create out "created namespace 3"
run manage_detach 0 "$m" detach-ns 2
run manage_format 0 "$m" format 1 3
run manage_delete 0 "$m" delete-ns 2
printf 'SPDKRT99%01016d' 0 >"$tmp/fw.img"
run manage_fw 0 "$m" fw-download "$tmp/fw.img" && expect_in manage_fw out "downloaded 1024 bytes"
run manage_commit_empty 1 "$m" fw-commit 2 1 && expect_in manage_commit_empty err "INVALID FIRMWARE"
run manage_bad 1 "$m" format x && expect_in manage_bad err "bad arguments"
# arbitration: the model's arbiter picks each command (one per poll), the tool keeps every
# queue full; a fixed number of I/Os (-n), so the shares are exact, not timing.
# expect_shares NAME "CLASS PERCENT ..." TOLERANCE: each class's share within TOLERANCE points.
expect_shares() {
	local name=$1 want=$2 tol=$3 class pct got
	set -- $want
	while [ $# -ge 2 ]; do
		class=$1 pct=$2
		shift 2
		got=$(awk -v c="$class" '$2 == c { sub("%", "", $5); print $5 }' "$tmp/$name.out")
		[ -n "$got" ] && awk -v g="$got" -v p="$pct" -v t="$tol" \
			'BEGIN { exit !(g >= p - t && g <= p + t) }' ||
			fail "$name: $class share '${got}%', expected ${pct}% +- $tol"
	done
}
a=$d/nvme_arbitration_model
run arb_rr 0 "$a" -n 6000 -q 8 && expect_shares arb_rr "high 33.33 medium 33.33 low 33.33" 1
run arb_rr_burst 0 "$a" -n 6000 -q 8 --burst 2 && {
	expect_in arb_rr_burst out "round robin, burst 2"
	expect_shares arb_rr_burst "high 33.33 medium 33.33 low 33.33" 1
}
run arb_wrr 0 "$a" -n 6500 -q 8 -a wrr --weights 8,4,1 &&
	expect_shares arb_wrr "high 61.54 medium 30.77 low 7.69" 1.5
run arb_wrr_other 0 "$a" -n 6000 -q 16 -o 8192 -w randrw -M 30 -a wrr --weights 1,2,3 \
	--burst 2 && expect_shares arb_wrr_other "high 16.67 medium 33.33 low 50.00" 1.5
run arb_urgent 0 "$a" -n 4000 -q 8 -a wrr --weights 8,4,1 --urgent &&
	expect_shares arb_urgent "urgent 99.4 high 0.2 medium 0.2 low 0.2" 0.3
run arb_json 0 "$a" -n 1300 -q 4 -a wrr --weights 8,4,1 --json &&
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); q=d["queues"]
assert d["arbitration"] == "wrr" and d["weights"] == {"high": 8, "medium": 4, "low": 1}
assert [x["class"] for x in q] == ["high", "medium", "low"] and d["total"]["ios"] == 1300
assert q[0]["ios"] > q[1]["ios"] > q[2]["ios"] > 0 and d["total"]["errors"] == 0' \
			"$tmp/arb_json.out" || fail "arb_json: bad JSON"
	fi
SPDKRT_NVME_TOOL_MODEL_NO_WRR=1 run arb_no_wrr 1 "$a" -n 100 -a wrr &&
	expect_in arb_no_wrr err "does not support weighted round robin"
SPDKRT_NVME_TOOL_MODEL_NO_WRR=1 run arb_no_wrr_rr 0 "$a" -n 100
run arb_bad_weight 1 "$a" -n 100 -a wrr --weights 8,0,1 && expect_in arb_bad_weight err "each 1..256"
run arb_big_weight 1 "$a" -n 100 -a wrr --weights 8,4,257 && expect_in arb_big_weight err "each 1..256"
run arb_two_weights 1 "$a" -n 100 -a wrr --weights 8,4 && expect_in arb_two_weights err "HIGH,MEDIUM,LOW"
run arb_bad_burst 1 "$a" -n 100 -a wrr --burst 8 && expect_in arb_bad_burst err "0..7"
run arb_weights_rr 1 "$a" -n 100 --weights 8,4,1 && expect_in arb_weights_rr err "need -a wrr"
run arb_urgent_rr 1 "$a" -n 100 --urgent && expect_in arb_urgent_rr err "need -a wrr"
run arb_bad_mech 1 "$a" -n 100 -a fifo && expect_in arb_bad_mech err "rr or wrr"
run arb_usage 1 "$a" && expect_in arb_usage err "Usage: spdkrt-nvme-arbitration"
# nvme_reserve: one process, one model; the steps run in order and each prints its result.
rsv=$d/nvme_reserve_model
run reserve_sequence 0 "$rsv" --json --hostid 00112233445566778899aabbccddeeff \
	register 0x1234 acquire write-exclusive 0x1234 report write 7 read 7 \
	release write-exclusive 0x1234 report unregister 0x1234 report &&
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["steps"]
assert d["failed"] == 0 and all(x["ok"] for x in s), s
assert [x["step"] for x in s] == ["register", "acquire", "report", "write", "read", "release",
	"report", "unregister", "report"]
me = "00112233445566778899aabbccddeeff"[:16] + "0" * 16  # the model keeps 64 bits
held = s[2]["report"]
assert held["type"] == 1 and held["type_name"] == "write-exclusive" and held["holder"] == me, held
assert held["ptpls"] == 0, held
assert held["registrants"] == [{"hostid": me, "key": 0x1234, "cntlid": 1, "holder": True}], held
rel = s[6]["report"]
assert rel["type"] == 0 and rel["holder"] is None and rel["registrants"][0]["key"] == 0x1234, rel
assert rel["generation"] >= held["generation"]
assert s[8]["report"]["registrants"] == [] and s[8]["report"]["generation"] > rel["generation"]' \
			"$tmp/reserve_sequence.out" || fail "reserve_sequence: bad JSON or report"
	fi
# A wrong key: RESERVATION CONFLICT printed, the later steps still run, exit 1 at the end.
run reserve_wrong_key 1 "$rsv" --hostid 0a0b0c0d0e0f0102 register 5 acquire exclusive-access 6 \
	acquire ea 5 report release ea 5 && {
	expect_in reserve_wrong_key out "^hostid 0a0b0c0d0e0f0102: set"
	expect_in reserve_wrong_key out "^acquire exclusive-access 6: RESERVATION CONFLICT (00/83)"
	expect_in reserve_wrong_key out "^acquire ea 5: ok"
	expect_in reserve_wrong_key out "type exclusive-access (2), 1 registrant"
	expect_in reserve_wrong_key out "registrant hostid 0a0b0c0d0e0f0102 key 0x5 cntlid 0x0001 (holder)"
	expect_in reserve_wrong_key out "holder: hostid 0a0b0c0d0e0f0102"
	expect_in reserve_wrong_key out "^release ea 5: ok"
}
run reserve_stop_on_error 1 "$rsv" --stop-on-error register 1 unregister 2 report && {
	expect_in reserve_stop_on_error out "^unregister 2: RESERVATION CONFLICT"
	! grep -q "^report" "$tmp/reserve_stop_on_error.out" || fail "reserve_stop_on_error: went on"
}
run reserve_bad_type 1 "$rsv" acquire sideways 1 && expect_in reserve_bad_type err "bad reservation type 'sideways'"
run reserve_bad_step 1 "$rsv" register 1 grab 1 && expect_in reserve_bad_step err "unknown step 'grab'"
run reserve_bad_hostid 1 "$rsv" --hostid 123 report && expect_in reserve_bad_hostid err "16 or 32 hex digits"
run reserve_no_ns 1 "$rsv" -n 9 report && expect_in reserve_no_ns err "no active namespace 9"
SPDKRT_NVME_TOOL_NO_MODEL=1 run hello_no_model 1 "$d/nvme_hello_world_model" &&
	expect_in hello_no_model err "no NVMe controller"
run identify_bad_trid 1 "$d/nvme_identify_model" -r "trtype:PCIe traddr"

# hotplug over the model, which is inserted at 0.2 s and removed by uevents at 0.7 s.
h=$d/nvme_hotplug_model
run hotplug_model 0 "$h" --inserts 1 --removals 1 -t 20 -i 50 && {
	expect_in hotplug_model out "inserted 0000:0e:00.0: reads at depth 4 on namespace 1"
	expect_in hotplug_model out "removed 0000:0e:00.0 after [1-9][0-9]* reads"
	# The model's removal comes as uevents only (its registers still answer): the driver's own.
	expect_in hotplug_model err "0000:0e:00.0: the kernel unbound the function (uevent)"
	expect_in hotplug_model out "^1 insertion(s), 1 removal(s), 0 controller(s) attached at the end"
	expect_in hotplug_model out "failed: [0-9]* on removed controllers, 0 on present ones"
}
run hotplug_model_json 0 "$h" --inserts 1 --removals 1 -t 20 -r 'trtype:PCIe traddr:0e:00.0' --json &&
	expect_in hotplug_model_json out '"insertions": 1, "removals": 1, "attached_at_end": 0'
run hotplug_model_other_addr 1 "$h" --inserts 1 -t 2 -r 'trtype:PCIe traddr:0000:0f:00.0' &&
	expect_in hotplug_model_other_addr err "expected 1 insertion(s) and 0 removal(s) within 2 s"
run hotplug_bad_depth 1 "$h" -q 0 && expect_in hotplug_bad_depth err "-q needs a number 1..128"
run hotplug_tcp 1 "$h" -r 'trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420 subnqn:nqn.x' &&
	expect_in hotplug_tcp err "must name a PCIe controller"

# The installed programs: usage, and a clear failure without a controller for spdkrt.
for tool in hello_world identify perf manage discover hotplug arbitration reserve; do
	prog=$top_builddir/examples/nvme/nvme_$tool
	run "${tool}_help" 0 "$prog" --help && expect_in "${tool}_help" out "Usage: spdkrt-nvme-"
done
run identify_none 1 "$top_builddir/examples/nvme/nvme_identify" --no-huge -r 'trtype:PCIe traddr:0000:ff:1f.7' &&
	expect_in identify_none err "no NVMe controller"
run reserve_none 1 "$top_builddir/examples/nvme/nvme_reserve" --no-huge -r 'trtype:PCIe traddr:0000:ff:1f.7' \
	register 1 report && expect_in reserve_none err "no NVMe controller"
run arbitration_none 1 "$top_builddir/examples/nvme/nvme_arbitration" --no-huge -n 10 -a wrr \
	-r 'trtype:PCIe traddr:0000:ff:1f.7' && expect_in arbitration_none err "no NVMe controller"
disc=$top_builddir/examples/nvme/nvme_discover
run discover_usage 1 "$disc" --no-huge
run discover_pcie 1 "$disc" --no-huge -r 'trtype:PCIe traddr:0000:00:04.0' &&
	expect_in discover_pcie err "bad transport ID"

echo "tools.sh: wall $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?') s"
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS: nvme tools"
