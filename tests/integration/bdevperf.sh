#!/usr/bin/env bash
# hello_bdev and bdevperf as a user runs them: the real programs on the shared library, no
# hugepages, no device. Short runs (1 s); no timing is asserted, only behaviour: exit codes,
# messages, JSON, and that verify catches corrupted data.
set -uo pipefail
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
hello=$top_builddir/examples/bdev/hello_bdev
perf=$top_builddir/examples/bdev/bdevperf
. "$(dirname "$0")/../common/tool_checks.sh"

malloc="malloc:name=Malloc0,size_mb=16,block_size=512"
null="null:name=Null0,size_mb=64"

run hello 0 "$hello" --no-huge && expect_in hello out "Read string from bdev: Hello World!"
run hello_default 0 "$hello" && expect_in hello_default out "Hello World!"
# A null bdev discards the write: hello_bdev must notice and fail.
run hello_null 1 "$hello" --no-huge -b "$null" && expect_in hello_null err "did not return"
run hello_badspec 1 "$hello" --no-huge -b "nosuch:name=X" &&
	expect_in hello_badspec err "cannot create"

# Options: no arguments prints the help and fails; --help succeeds; bad options say why.
run noargs 1 "$perf" && expect_in noargs err "usage:"
run help 0 "$perf" --help && expect_in help out "usage:"
run badopt 1 "$perf" -q 8 -o 4096 -w randread -t 1 -b "$null" --no-such-option &&
	expect_in badopt err "unknown option"
run badworkload 1 "$perf" -q 8 -o 4096 -w sideways -t 1 -b "$null" &&
	expect_in badworkload err "unknown workload 'sideways'"
run badqd 1 "$perf" -q 0 -o 4096 -w randread -t 1 -b "$null" && expect_in badqd err "queue depth"
run nobdev 1 "$perf" -q 8 -o 4096 -w randread -t 1 && expect_in nobdev err "missing -b"
run rwnomix 1 "$perf" -q 8 -o 4096 -w randrw -t 1 -b "$null" && expect_in rwnomix err "-M"
run badsize 1 "$perf" --no-huge -q 8 -o 1000 -w randread -t 1 -b "$null" &&
	expect_in badsize err "not a multiple"
run badspec 1 "$perf" --no-huge -q 8 -o 4096 -w randread -t 1 -b "nosuch:name=X" &&
	expect_in badspec err "cannot create"

# Workloads, 1 s each.
run verify 0 "$perf" --no-huge -q 32 -o 4096 -w verify -t 1 -b "$malloc" &&
	expect_in verify out "^Total"
run randread_null_json 0 "$perf" --no-huge -q 128 -o 4096 -w randread -t 1 -b "$null" --json &&
	python3 - "$tmp/randread_null_json.out" <<'EOF' || fail "randread_null_json: bad JSON"
import json, sys
r = json.load(open(sys.argv[1]))
t = r["total"]
assert t["iops"] > 0 and t["mibps"] > 0 and t["avg_lat_us"] > 0, t
assert len(r["jobs"]) == 1 and r["jobs"][0]["bdev"] == "Null0", r["jobs"]
assert r["jobs"][0]["iops"] > 0 and r["jobs"][0]["errors"] == 0
EOF
# With --json, stdout is the JSON object alone, even when a note is printed (a claimed base).
run crypto_json 0 "$perf" --no-huge -q 16 -o 4096 -w verify -t 1 -b "$malloc" \
	-b "crypto:name=Crypt0,base=Malloc0,cipher=AES_XTS,key=00112233445566778899aabbccddeeff,key2=ffeeddccbbaa99887766554433221100" \
	--json && expect_in crypto_json err "Malloc0 is claimed" &&
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert [j["bdev"] for j in r["jobs"]] == ["Crypt0"], r["jobs"]' "$tmp/crypto_json.out" ||
	fail "crypto_json: stdout is not one JSON object with the Crypt0 job"
# Without hugepages and -s, the memory follows the bdevs: a malloc bdev larger than the env's
# no_huge default (1024 MiB) works.
run nohuge_big_malloc 0 "$perf" --no-huge -q 8 -o 4096 -w randread -t 1 \
	-b "malloc:name=Big0,size_mb=1100" && expect_in nohuge_big_malloc out "^Total"
run randrw 0 "$perf" --no-huge -q 16 -o 8k -w randrw -M 70 -t 1 -b "$malloc"
run seqrw 0 "$perf" --no-huge -q 16 -o 4096 -w rw -M 50 -t 1 -b "$malloc"
run write 0 "$perf" --no-huge -q 16 -o 4096 -w write -t 1 -b "$malloc"
run unmap 0 "$perf" --no-huge -q 16 -o 64k -w unmap -t 1 -b "$malloc"
run write_zeroes 0 "$perf" --no-huge -q 16 -o 64k -w write_zeroes -t 1 -b "$malloc"
run flush 0 "$perf" --no-huge -q 16 -o 4096 -w flush -t 1 -b "$null"
run reset 0 "$perf" --no-huge -q 16 -o 4096 -w reset -t 1 -b "$malloc"
run stats 0 "$perf" --no-huge -q 16 -o 4096 -w read -t 1 -S 1 -b "$null" -b "$malloc" &&
	expect_in stats out "Total:" && expect_in stats out "Malloc0" && expect_in stats out "Null0"
run poller_null 0 "$perf" --no-huge -q 64 -o 4096 -w randwrite -t 1 \
	-b "null:name=NullP,size_mb=64,complete=poller"
if [ "$(nproc)" -ge 2 ]; then
	# Two jobs share the bdev: their verify ranges must not overlap.
	run verify_2cores 0 "$perf" --no-huge -m 0x3 -q 16 -o 4096 -w verify -t 1 -b "$malloc" \
		--json && python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["jobs"]) == 2 and {j["core"] for j in r["jobs"]} == {0, 1}, r["jobs"]' \
		"$tmp/verify_2cores.out" || fail "verify_2cores: expected a job on each core"
fi

# verify must catch bad data: a second descriptor overwrites a block between a write and its
# read-back; and a null bdev, which never stores anything, must fail verify too.
run verify_corrupt 1 "$perf" --no-huge -q 8 -o 4096 -w verify -t 1 -b "$malloc" \
	--inject-corruption 50 && expect_in verify_corrupt err "verify failed"
run verify_null 1 "$perf" --no-huge -q 8 -o 4096 -w verify -t 1 -b "$null" &&
	expect_in verify_null err "verify failed"

# SIGINT ends a long run early, cleanly, with the summary.
timeout 60 "$perf" --no-huge -q 32 -o 4096 -w randread -t 600 -b "$null" \
	>"$tmp/sigint.out" 2>"$tmp/sigint.err" &
pid=$!
for _ in $(seq 100); do
	grep -q "^Running" "$tmp/sigint.out" 2>/dev/null && break
	sleep 0.1
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
if [ "$rc" -ne 0 ]; then
	fail "sigint: exit $rc"
	tail -n 20 "$tmp/sigint.err"
elif ! grep -q "^Total" "$tmp/sigint.out"; then
	fail "sigint: no summary"
else
	echo "ok: sigint"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all bdevperf/hello_bdev checks passed"
