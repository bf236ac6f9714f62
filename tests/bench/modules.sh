#!/usr/bin/env bash
# Module benchmark, one core, figures side by side (prints figures only; asserts nothing):
#  1. 4 KiB random reads at queue depth 128: the aio and uring bdevs under bdevperf against
#     fio --ioengine=libaio and --ioengine=io_uring on the same file, on /dev/shm (two sizes:
#     one whose page-cache index fits in the CPU caches, one that does not) and on an O_DIRECT
#     file on disk. Targets: aio >= 1.5x fio libaio on /dev/shm, uring >= 1.0x fio io_uring.
#  2. The crypto vbdev over a malloc bdev, 4 KiB writes at queue depth 128, in MiB/s, against
#     openssl speed -evp aes-128-xts -bytes 4096. Target: ratio >= 0.8.
# Both tools run on the same core; fio with the options the issue names (plus --cpus_allowed and
# JSON output). Every case runs BENCH_REPS times, the cases interleaved so that a noisy neighbour
# hits all of them alike; the table shows each case's best run.
#
# Usage: tests/bench/modules.sh
# Environment: BUILDDIR (build/), BENCH_TIME seconds per run (10), BENCH_REPS (3), BENCH_CORE
# (the first core this process may use), BENCH_SHM_MB (1024) and BENCH_SHM_SMALL_MB (64) sizes
# of the /dev/shm files, BENCH_DISK_DIR (/var/tmp) and BENCH_DISK_MB (1024) for the disk file.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top/build}
time_s=${BENCH_TIME:-10}
reps=${BENCH_REPS:-3}
core=${BENCH_CORE:-$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')}
shm_mb=${BENCH_SHM_MB:-1024}
shm_small_mb=${BENCH_SHM_SMALL_MB:-64}
disk_dir=${BENCH_DISK_DIR:-/var/tmp}
disk_mb=${BENCH_DISK_MB:-1024}
mask=$(printf '0x%x' $((1 << core)))

for tool in fio openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "$tool is not installed (scripts/pkgdep.sh installs it)" >&2
		exit 1
	}
done
perf=$builddir/examples/bdev/bdevperf
stack=$builddir/tests/bench/stack_perf
if [ ! -x "$perf" ] || [ ! -x "$stack" ]; then
	echo "building in $builddir"
	BUILDDIR="$builddir" "$top/scripts/build.sh"
fi
make -s -C "$builddir" examples/bdev/bdevperf tests/bench/stack_perf >/dev/null
grep -q 'define SPDKRT_HAVE_URING 1' "$builddir/config.h" && have_uring=1 || have_uring=0

tmp=$(mktemp -d)
shm_big=/dev/shm/spdkrt-bench-modules.$$.img
shm_small=/dev/shm/spdkrt-bench-modules-small.$$.img
disk=$disk_dir/spdkrt-bench-modules.$$.img
trap 'rm -rf "$tmp" "$shm_big" "$shm_small" "$disk"' EXIT

# Files full of data (sparse files would read holes: no copy, no disk access).
echo "writing the test files (${shm_mb} + ${shm_small_mb} MiB on /dev/shm, ${disk_mb} MiB in $disk_dir)" >&2
head -c $((shm_mb << 20)) /dev/urandom >"$shm_big"
head -c $((shm_small_mb << 20)) /dev/urandom >"$shm_small"
head -c $((disk_mb << 20)) /dev/urandom >"$disk"
sync

# O_DIRECT where the filesystem takes it, as the bdevs do; fio gets the same setting.
direct_ok() {
	python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT))' "$1" \
		2>/dev/null && echo 1 || echo 0
}

# medium label | file | fio --direct
media=(
	"/dev/shm ${shm_mb} MiB|$shm_big|$(direct_ok "$shm_big")"
	"/dev/shm ${shm_small_mb} MiB|$shm_small|$(direct_ok "$shm_small")"
	"disk O_DIRECT ${disk_mb} MiB|$disk|1"
)
engines=("aio|libaio")
[ "$have_uring" = 1 ] && engines+=("uring|io_uring")

run_bdevperf() { # out spec
	"$perf" --no-huge -s 512 -q 128 -o 4096 -w randread -t "$time_s" -m "$mask" -b "$2" \
		--json >"$1" 2>"$1.err" || true
}

run_fio() { # out engine direct file
	fio --name=bench --ioengine="$2" --direct="$3" --rw=randread --bs=4k --iodepth=128 \
		--numjobs=1 --time_based --runtime="$time_s" --filename="$4" \
		--cpus_allowed="$core" --output-format=json >"$1" 2>"$1.err" || true
}

key="key=000102030405060708090a0b0c0d0e0f,key2=f0e0d0c0b0a090807060504030201000"
malloc_spec="malloc:name=Malloc0,size_mb=64,block_size=4096"
crypto_spec="crypto:name=Crypto0,base=Malloc0,cipher=AES_XTS,$key"

# The crypto vbdev sits on its base: bdevperf runs it if it can run on a stack (skipping the
# claimed base), else stack_perf does.
run_crypto() { # out
	"$perf" --no-huge -s 512 -q 128 -o 4096 -w write -t "$time_s" -m "$mask" \
		-b "$malloc_spec" -b "$crypto_spec" --json >"$1" 2>"$1.err" || true
	if python3 -c 'import json, sys; j = json.load(open(sys.argv[1]))
assert any(x["bdev"] == "Crypto0" and x["iops"] > 0 for x in j["jobs"])' "$1" 2>/dev/null; then
		echo bdevperf >"$1.tool"
		return
	fi
	"$stack" -s 512 -q 128 -o 4096 -w write -t "$time_s" -m "$mask" \
		-b "$malloc_spec" -b "$crypto_spec" >"$1" 2>"$1.err" || true
	echo stack_perf >"$1.tool"
}

run_openssl() { # out
	taskset -c "$core" openssl speed -evp aes-128-xts -bytes 4096 -seconds "$time_s" \
		>"$1" 2>"$1.err" || true
}

echo "4 KiB, QD128, core $core, ${time_s} s per run, best of $reps ($(nproc) CPUs:" \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(uname -r))"
for rep in $(seq "$reps"); do
	for m in "${!media[@]}"; do
		IFS='|' read -r label file direct <<<"${media[$m]}"
		for e in "${!engines[@]}"; do
			IFS='|' read -r module engine <<<"${engines[$e]}"
			echo "  run $rep/$reps: $module bdev, $label" >&2
			run_bdevperf "$tmp/bdev.$m.$e.$rep" \
				"$module:name=Bench0,filename=$file,block_size=4096"
			echo "  run $rep/$reps: fio $engine, $label" >&2
			run_fio "$tmp/fio.$m.$e.$rep" "$engine" "$direct" "$file"
		done
	done
	echo "  run $rep/$reps: crypto vbdev over malloc" >&2
	run_crypto "$tmp/crypto.$rep"
	echo "  run $rep/$reps: openssl speed" >&2
	run_openssl "$tmp/openssl.$rep"
done

python3 - "$tmp" "$reps" "${#media[@]}" "${#engines[@]}" "${media[@]}" "${engines[@]}" <<'EOF'
import json, os, re, sys
tmp, reps, nm, ne = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
media, engines = sys.argv[5:5 + nm], sys.argv[5 + nm:5 + nm + ne]

def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None

def best(values):
    values = [v for v in values if v]
    return max(values) if values else 0.0

def bdev_iops(path):
    j = load(path)
    return j["total"]["iops"] if j and j["total"]["errors"] == 0 else 0.0

def fio_iops(path):
    j = load(path)
    return j["jobs"][0]["read"]["iops"] if j and j["jobs"][0]["error"] == 0 else 0.0

def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"

targets = {"aio": 1.5, "uring": 1.0}
print(f"\n{'medium':<26} {'bdev':<6} {'bdev IOPS':>12} {'fio engine':<10} {'fio IOPS':>12}"
      f" {'ratio':>7}  target")
for m, medium in enumerate(media):
    label, _, direct = medium.split("|")
    for e, eng in enumerate(engines):
        module, engine = eng.split("|")
        b = best(bdev_iops(f"{tmp}/bdev.{m}.{e}.{r}") for r in range(1, reps + 1))
        f = best(fio_iops(f"{tmp}/fio.{m}.{e}.{r}") for r in range(1, reps + 1))
        target = targets[module] if label.startswith("/dev/shm") else None
        print(f"{label:<26} {module:<6} {b:>12,.0f} {engine:<10} {f:>12,.0f} {ratio(b, f):>7}"
              f"  {'>= %.1fx' % target if target else '-'}")
    if direct != "1":
        print(f"{'':<26} (buffered: the filesystem refuses O_DIRECT; fio --direct=0)")

def crypto_mibps(path):
    j = load(path)
    if not j:
        return 0.0
    if "jobs" in j:
        return sum(x["mibps"] for x in j["jobs"] if x["bdev"] == "Crypto0")
    return j["mibps"] if j.get("errors", 1) == 0 else 0.0

def openssl_mibps(path):
    try:
        text = open(path).read()
    except OSError:
        return 0.0
    m = re.search(r"^AES-128-XTS\s+([0-9.]+)k\s*$", text, re.M)
    return float(m.group(1)) * 1000 / 1048576 if m else 0.0  # 1000s of bytes per second

c = best(crypto_mibps(f"{tmp}/crypto.{r}") for r in range(1, reps + 1))
o = best(openssl_mibps(f"{tmp}/openssl.{r}") for r in range(1, reps + 1))
tools = sorted({open(f"{tmp}/crypto.{r}.tool").read().strip() for r in range(1, reps + 1)
                if os.path.exists(f"{tmp}/crypto.{r}.tool")})
print(f"\n{'crypto (AES-128-XTS, 4 KiB)':<34} {'MiB/s':>10}")
print(f"{'crypto vbdev over malloc, writes':<34} {c:>10,.0f}   ({', '.join(tools)})")
print(f"{'openssl speed -evp aes-128-xts':<34} {o:>10,.0f}")
print(f"{'ratio':<34} {ratio(c, o):>10}   target >= 0.8x")
EOF
