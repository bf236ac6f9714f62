#!/usr/bin/env bash
# bdev benchmark: bdevperf 4 KiB runs on the null and malloc bdevs (no hugepages, one core) and
# the cost of the deferred-completion path: the null bdev completing inside submit (every I/O
# through the channel's deferred queue) against complete=poller (a per-channel poller, as SPDK's
# null bdev does). Every case runs BENCH_REPS times, the cases interleaved so that a noisy
# neighbour hits all of them alike; the table shows each case's best run. Prints figures only;
# asserts nothing.
#
# With BASELINE_BUILDDIR (a build of another commit, e.g. main's parent), it also runs null
# randread QD128 with both builds in back-to-back pairs (alternating which goes first) and prints
# the median ratio this/baseline (the hot path must not get slower: >= 1.0 within noise).
#
# Usage: tests/bench/bdev.sh
# Environment: BUILDDIR (default build/), BENCH_TIME seconds per run (10), BENCH_REPS (3),
# BENCH_CORE core mask (default: bdevperf's, the first core), BASELINE_BUILDDIR (none).
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

null="null:name=Null0,size_mb=1024"
malloc="malloc:name=Malloc0,size_mb=128"
# label | queue depth | workload | bdev spec
cases=(
	"null randread QD128|128|randread|$null"
	"null randread QD1|1|randread|$null"
	"malloc randread QD128|128|randread|$malloc"
	"malloc randwrite QD128|128|randwrite|$malloc"
	"null complete=submit (deferred)|128|randread|$null,complete=submit"
	"null complete=poller|128|randread|$null,complete=poller"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -n "${BASELINE_BUILDDIR:-}" ]; then
	base_perf=$BASELINE_BUILDDIR/examples/bdev/bdevperf
	make -s -C "$BASELINE_BUILDDIR" examples/bdev/bdevperf >/dev/null
	args=(--no-huge -s 512 -q 128 -o 4096 -w randread -t "$time_s" -b "$null" --json)
	[ -n "$core" ] && args+=(-m "$core")
	for rep in $(seq "$reps"); do
		order=(this base)
		[ $((rep % 2)) -eq 0 ] && order=(base this)
		for which in "${order[@]}"; do
			echo "  pair $rep/$reps: $which" >&2
			if [ "$which" = this ]; then bin=$perf; else bin=$base_perf; fi
			"$bin" "${args[@]}" >"$tmp/$which.$rep.json"
		done
	done
	python3 - "$tmp" "$reps" <<'EOF2'
import json, sys
tmp, reps = sys.argv[1], int(sys.argv[2])
iops = {w: [json.load(open(f"{tmp}/{w}.{r}.json"))["total"]["iops"] for r in range(1, reps + 1)]
        for w in ("this", "base")}
ratios = sorted(t / b for t, b in zip(iops["this"], iops["base"]))
print("null randread QD128, this build against the baseline, back-to-back pairs:")
for w in ("this", "base"):
    print(f"  {w:<5} " + "  ".join(f"{v:>12,.0f}" for v in iops[w]) + " IOPS"
          f"   (best {1e9 / max(iops[w]):.2f} ns/IO)")
print(f"  ratio this/baseline: median of pairs {ratios[len(ratios) // 2]:.3f}"
      f", best runs {max(iops['this']) / max(iops['base']):.3f} (target: >= 1.0 within noise)")
EOF2
	echo
fi

echo "bdevperf -o 4096 --no-huge, one core, ${time_s} s per run, best of $reps" \
	"($(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
for rep in $(seq "$reps"); do
	order=("${!cases[@]}")
	# the deferral pair runs back to back, in alternating order, so each pair shares its noise
	[ $((rep % 2)) -eq 0 ] && order=(0 1 2 3 5 4)
	for i in "${order[@]}"; do
		IFS='|' read -r label qd workload spec <<<"${cases[$i]}"
		args=(--no-huge -s 512 -q "$qd" -o 4096 -w "$workload" -t "$time_s" -b "$spec")
		args+=(--json)
		[ -n "$core" ] && args+=(-m "$core")
		echo "  run $rep/$reps: $label" >&2
		"$perf" "${args[@]}" >"$tmp/$i.$rep.json"
	done
done

python3 - "$tmp" "$reps" "${cases[@]}" <<'EOF'
import json, sys
tmp, reps, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
best = []
for i, case in enumerate(cases):
    runs = [json.load(open(f"{tmp}/{i}.{r}.json"))["total"] for r in range(1, reps + 1)]
    best.append(max(runs, key=lambda t: t["iops"]))
print(f"{'case':<34} {'IOPS':>14} {'MiB/s':>10} {'ns/IO':>8} {'avg lat us':>10}")
for case, t in zip(cases, best):
    label = case.split("|")[0]
    print(f"{label:<34} {t['iops']:>14,.0f} {t['mibps']:>10,.1f} {1e9 / t['iops']:>8.2f}"
          f" {t['avg_lat_us']:>10.2f}")
submit, poller = 1e9 / best[4]["iops"], 1e9 / best[5]["iops"]
pairs = sorted(json.load(open(f"{tmp}/5.{r}.json"))["total"]["iops"] /
               json.load(open(f"{tmp}/4.{r}.json"))["total"]["iops"] for r in range(1, reps + 1))
print()
print(f"deferred path (null, complete=submit): {submit:.2f} ns/IO (best run)")
print(f"poller path   (null, complete=poller): {poller:.2f} ns/IO (best run)")
print(f"ratio deferred/poller: {submit / poller:.3f} of the best runs, {pairs[len(pairs) // 2]:.3f}"
      " median of back-to-back pairs (target: <= 1.0, the deferred path is not slower)")
EOF
