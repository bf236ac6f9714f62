#!/usr/bin/env bash
# Tests of the fio ioengine plugin (examples/fio/spdkrt_fio.so) with the installed, stock fio:
# fetches fio's source (scripts/fio-source.sh), builds the plugin in its own build tree, then
# runs fio jobs whose exit status and JSON output are checked: write-then-verify with fio's
# crc32c and md5 checksums on malloc bdevs (several bdevs per job, flushes, trims), a null bdev
# speed job, two jobs at once on two cores, aio and uring bdevs when those modules exist (and an
# I/O error reaching fio with its errno), a corruption that fio's verify must catch, and bad
# options that must fail cleanly.
#
# Usage: scripts/test-fio.sh     (run by scripts/test.sh as the stage "fio plugin")
# Environment: FIO_BUILDDIR (default build-fio/), SPDKRT_CACHE_DIR (see scripts/fio-source.sh).
# Prints PASS/FAIL/SKIP lines; exits non-zero when a test fails. When fio's source cannot be
# fetched it prints SKIP with the reason and exits 0.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${FIO_BUILDDIR:-$top/build-fio}
cd "$top"

if ! command -v fio >/dev/null 2>&1; then
	echo "SKIP: fio plugin: fio is not installed (scripts/pkgdep.sh installs it)"
	exit 0
fi

tmp=$(mktemp -d /tmp/spdkrt-fio-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! fio_src=$(scripts/fio-source.sh 2>"$tmp/fio-source.log"); then
	sed 's/^/  /' "$tmp/fio-source.log"
	echo "SKIP: fio plugin: fio's source is not available: $(tail -n 1 "$tmp/fio-source.log")"
	exit 0
fi
echo "fio $(fio --version) with headers from $fio_src"

echo "building the plugin in $builddir"
BUILDDIR=$builddir scripts/build.sh --enable-werror --with-fio="$fio_src" >"$tmp/build.log" 2>&1 ||
{
	tail -n 40 "$tmp/build.log"
	echo "FAIL: fio plugin: build"
	exit 1
}
plugin=$builddir/examples/fio/.libs/spdkrt_fio.so
[ -f "$plugin" ] || {
	echo "FAIL: fio plugin: $plugin was not built"
	exit 1
}

passed=0
failed=0
skipped=0
pass() {
	echo "PASS: $1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL: $1"
	failed=$((failed + 1))
}
skip() {
	echo "SKIP: $1"
	skipped=$((skipped + 1))
}

fio_cmd=(fio)
# DPDK keeps its runtime files in $RUNTIME_DIRECTORY/dpdk/<prefix>; spdkrt_env_fini() removes
# them, so an empty directory at the end shows every fio run released the environment.
export RUNTIME_DIRECTORY=$tmp/run
mkdir -p "$RUNTIME_DIRECTORY"

# The jobs run in an empty directory: fio must not create a file named like a bdev.
work=$tmp/cwd
mkdir -p "$work"
common=(--thread=1 "--ioengine=external:$plugin" --spdkrt_no_huge=1 --spdkrt_log_level=warn)

# run_fio ARGS...: runs fio with a time limit; its JSON goes to $out.json and its stderr to
# $out.err (a new $out per run); sets rc. A timeout (124) or a signal (> 128) is always a
# failure of the caller's test.
runs=0
run_fio() {
	runs=$((runs + 1))
	out=$tmp/run$runs
	rc=0
	(cd "$work" && timeout -k 5 120 "${fio_cmd[@]}" --output-format=json "$@") >"$out.json" \
		2>"$out.err" || rc=$?
}

# check_json EXPR: EXPR, a Python expression over `jobs` (the "jobs" list of the last run's
# JSON output), holds.
check_json() {
	python3 - "$out.json" "$1" <<'EOF'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
text = open(path).read()
start = text.find("{")  # fio may print a warning line before the JSON
try:
    jobs = json.loads(text[start:])["jobs"] if start >= 0 else None
except ValueError as e:
    print(f"  unparsable JSON: {e}")
    sys.exit(1)
if jobs is None:
    print("  no JSON output")
    sys.exit(1)
def job(name):
    return next(j for j in jobs if j["jobname"] == name)
def kb(j, ddir):
    return j[ddir]["io_kbytes"]
ok = eval("(" + expr + "\n)")  # parenthesised: the expression may span lines
if not ok:
    for j in jobs:
        print(f"  job {j['jobname']}: error={j['error']} read={kb(j, 'read')}KiB "
              f"write={kb(j, 'write')}KiB trim={kb(j, 'trim')}KiB "
              f"sync={j.get('sync', {}).get('total_ios')}")
    print(f"  expected: {expr}")
sys.exit(0 if ok else 1)
EOF
}

show_err() {
	sed 's/^/  | /' "$out.err" | tail -n 15
}

# expect_ok NAME EXPR ARGS...: fio exits 0 and EXPR holds on its JSON output.
expect_ok() {
	local name=$1 expr=$2
	shift 2
	run_fio "$@"
	if [ "$rc" -ne 0 ]; then
		show_err
		fail "$name (fio exit status $rc)"
	elif ! check_json "$expr"; then
		fail "$name (JSON output)"
	else
		pass "$name"
	fi
}

# expect_error NAME PATTERN ARGS...: fio exits non-zero without a crash or a hang, and its
# stderr matches PATTERN (an extended regular expression).
expect_error() {
	local name=$1 pattern=$2
	shift 2
	run_fio "$@"
	if [ "$rc" -eq 0 ]; then
		fail "$name (fio succeeded)"
	elif [ "$rc" -ge 124 ]; then
		show_err
		fail "$name (exit status $rc: a hang or a crash)"
	elif ! grep -qE "$pattern" "$out.err"; then
		show_err
		fail "$name (no message matching /$pattern/)"
	else
		pass "$name: $(grep -m1 -E "$pattern" "$out.err" | cut -c1-150)"
	fi
}

malloc0="malloc:name=Malloc0,size_mb=64"

# --- write then verify ---------------------------------------------------------------------
# fsync -> bdev flush; at log level info the engine prints the library's own I/O counts.
expect_ok "malloc, crc32c write+verify, fsync" \
	'jobs[0]["error"] == 0 and kb(jobs[0], "write") == 32768 and kb(jobs[0], "read") == 32768
	 and jobs[0]["sync"]["total_ios"] > 0' \
	--thread=1 "--ioengine=external:$plugin" --spdkrt_no_huge=1 --spdkrt_log_level=info \
	"--spdkrt_bdev=$malloc0" --filename=Malloc0 --name=crc32c --rw=randwrite \
	--bs=4k --iodepth=32 --size=32M --verify=crc32c --do_verify=1 --verify_fatal=1 --fsync=64
# The library saw what fio did: 8192 writes, 8192 reads and the flushes.
if grep -qE "bdev 'Malloc0' I/O: read 8192, write 8192, unmap 0, flush [1-9][0-9]*, .*errors 0" \
	"$out.err"; then
	pass "malloc, the library's counts match fio's: $(grep -m1 "bdev 'Malloc0' I/O" "$out.err")"
else
	show_err
	fail "malloc, the library's I/O counts (read 8192, write 8192, flushes) at log level info"
fi

# Without hugepages and spdkrt_mem_mb, the environment's memory follows the bdevs the jobs
# create: a malloc bdev larger than the no_huge default (1024 MiB) works.
expect_ok "malloc of 1100 MiB without spdkrt_mem_mb, write+verify" \
	'jobs[0]["error"] == 0 and kb(jobs[0], "write") == 8192 and kb(jobs[0], "read") == 8192' \
	"${common[@]}" "--spdkrt_bdev=malloc:name=Big0,size_mb=1100" --filename=Big0 --name=big \
	--rw=randwrite --bs=4k --iodepth=16 --size=8M --offset=1000M --verify=crc32c --do_verify=1 \
	--verify_fatal=1

# Two bdevs (512 and 4096-byte blocks) from a repeated option and a ';' list, one job on both;
# fdatasync -> bdev flush.
expect_ok "malloc x2 (filename=A:B), md5 write+verify, fdatasync" \
	'jobs[0]["error"] == 0 and kb(jobs[0], "write") == 16384 and kb(jobs[0], "read") == 16384' \
	"${common[@]}" "--spdkrt_bdev=$malloc0" \
	"--spdkrt_bdev=malloc:name=Malloc1,size_mb=32,block_size=4096; null:name=Unused,size_mb=8" \
	--filename=Malloc0:Malloc1 --name=md5 --rw=write --bs=8k --iodepth=16 --size=16M \
	--verify=md5 --do_verify=1 --verify_fatal=1 --fdatasync=16

# Trims (unmap): trim+write+verify, then trim everything, then the data must read as zeroes.
expect_ok "malloc, trimwrite+verify, randtrim, zeroes after trim" \
	'all(j["error"] == 0 for j in jobs) and kb(job("trimwrite"), "trim") == 8192
	 and kb(job("trim"), "trim") == 8192 and kb(job("zeroes"), "read") == 8192' \
	"${common[@]}" "--spdkrt_bdev=$malloc0" --filename=Malloc0 --bs=4k --iodepth=16 --size=8M \
	--name=trimwrite --rw=trimwrite --verify=crc32c --do_verify=1 --verify_fatal=1 \
	--name=trim --stonewall --rw=randtrim \
	--name=zeroes --stonewall --rw=read --verify=pattern --verify_pattern=0 --do_verify=1 \
	--verify_fatal=1

# A job file: fio's path form of ioengine=, engine options in [global] and in each job; the
# bdevs of every job are created once, before any job runs, and both jobs run at once.
cat >"$tmp/jobs.fio" <<EOF
[global]
thread=1
ioengine=$plugin
spdkrt_no_huge=1
spdkrt_log_level=warn
spdkrt_bdev=null:name=Shared0,size_mb=64
bs=4k
iodepth=8
size=8M
verify=crc32c
do_verify=1
verify_fatal=1
verify_state_save=0

[first]
spdkrt_bdev=malloc:name=First,size_mb=16
filename=First
rw=randwrite

[second]
spdkrt_bdev=malloc:name=Second,size_mb=16,block_size=4096
filename=Second
rw=write
EOF
expect_ok "job file: path-form ioengine, [global] and per-job spdkrt_bdev, 2 jobs at once" \
	'len(jobs) == 2 and all(j["error"] == 0 and kb(j, "write") == 8192
	 and kb(j, "read") == 8192 for j in jobs)' \
	"$tmp/jobs.fio"

# --- speed job on a null bdev ----------------------------------------------------------------
expect_ok "null, randread QD128 for 2 s" \
	'jobs[0]["error"] == 0 and jobs[0]["read"]["iops"] > 100000' \
	"${common[@]}" "--spdkrt_bdev=null:name=Null0,size_mb=1024" --filename=Null0 --name=null \
	--rw=randread --bs=4k --iodepth=128 --time_based --runtime=2 --norandommap

# --- two jobs at once (numjobs=2), each on its own core and its own half of the bdev -----------
cpus="0-1"
[ "$(nproc)" -ge 2 ] || cpus="0"
expect_ok "numjobs=2 on cores $cpus, crc32c write+verify" \
	'len(jobs) == 2 and all(j["error"] == 0 and kb(j, "write") == 16384
	 and kb(j, "read") == 16384 for j in jobs)' \
	"${common[@]}" "--spdkrt_bdev=$malloc0" --filename=Malloc0 --name=two --numjobs=2 \
	--cpus_allowed=$cpus --cpus_allowed_policy=split --offset_increment=32M --size=16M \
	--rw=randwrite --bs=4k --iodepth=32 --verify=crc32c --do_verify=1 --verify_fatal=1

# --- aio bdev, when the module exists ----------------------------------------------------------
truncate -s 64M "$tmp/aio.img"
run_fio "${common[@]}" "--spdkrt_bdev=aio:name=Aio0,filename=$tmp/aio.img" \
	--filename=Aio0 --name=probe --rw=read --bs=4k --size=4k
if grep -q "unknown module 'aio'" "$out.err"; then
	skip "aio bdev, crc32c write+verify (no aio module in this libspdkrt yet)"
else
	expect_ok "aio bdev on a file, crc32c write+verify" \
		'jobs[0]["error"] == 0 and kb(jobs[0], "write") == 32768 and kb(jobs[0], "read") == 32768' \
		"${common[@]}" "--spdkrt_bdev=aio:name=Aio0,filename=$tmp/aio.img" --filename=Aio0 \
		--name=aio --rw=randwrite --bs=4k --iodepth=32 --size=32M --verify=crc32c \
		--do_verify=1 --verify_fatal=1 --fsync=64
	# An error completion reaches fio with its errno: fio's exec_prerun shrinks the file under
	# the bdev (made earlier, 64 MiB), so reads past the new end complete with EIO.
	truncate -s 64M "$tmp/eio.img"
	run_fio "${common[@]}" "--spdkrt_bdev=aio:name=Aio1,filename=$tmp/eio.img" --filename=Aio1 \
		--name=eio --rw=read --bs=4k --iodepth=8 --offset=8M --size=8M \
		"--exec_prerun=truncate -s 1M $tmp/eio.img"
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
		show_err
		fail "aio bdev, I/O error: fio must fail with EIO (exit status $rc)"
	elif ! grep -q "io_u error on file Aio1: Input/output error: read offset=8388608" "$out.err"; then
		show_err
		fail "aio bdev, I/O error: no 'Input/output error' from fio"
	elif ! check_json 'jobs[0]["error"] == 5'; then
		fail "aio bdev, I/O error: JSON error is not EIO (5)"
	else
		pass "aio bdev, I/O error completion -> fio error EIO: $(grep -m1 'io_u error' "$out.err")"
	fi
fi

# --- uring bdev, when the module exists and the kernel lets this process use io_uring -------------
truncate -s 64M "$tmp/uring.img"
run_fio "${common[@]}" "--spdkrt_bdev=uring:name=Uring0,filename=$tmp/uring.img" \
	--filename=Uring0 --name=probe --rw=read --bs=4k --size=4k
if [ "$rc" -ne 0 ] && grep -q "unknown module 'uring'" "$out.err"; then
	skip "uring bdev, md5 write+verify (no uring module in this libspdkrt)"
elif [ "$rc" -ne 0 ]; then
	skip "uring bdev, md5 write+verify (no uring bdev here: $(grep -m1 -i uring "$out.err" |
		cut -c1-100))"
else
	expect_ok "uring bdev on a file, md5 write+verify" \
		'jobs[0]["error"] == 0 and kb(jobs[0], "write") == 32768 and kb(jobs[0], "read") == 32768' \
		"${common[@]}" "--spdkrt_bdev=uring:name=Uring0,filename=$tmp/uring.img" \
		--filename=Uring0 --name=uring --rw=randwrite --bs=16k --iodepth=32 --size=32M \
		--verify=md5 --do_verify=1 --verify_fatal=1
fi

# --- corruption: fio verifies, a byte is flipped through spdkrt, fio's verify must fail --------
# One fio process (the malloc bdev lives in it): job "write" writes and verifies; job "flip"
# inverts one byte of the bdev with spdkrt_flip_byte (read block, flip, write block through the
# library); job "check" reads and verifies fio's checksums again.
corrupt=("${common[@]}" "--spdkrt_bdev=$malloc0" --filename=Malloc0 --bs=4k --iodepth=16
	--size=1M --verify=crc32c --verify_fatal=1 --name=write --rw=write --do_verify=1
	--name=flip --stonewall --rw=read --size=4k --verify=0)
check=(--name=check --stonewall --rw=read --do_verify=1)
expect_ok "corruption control: write, verify, re-verify with nothing flipped" \
	'all(j["error"] == 0 for j in jobs) and kb(job("check"), "read") == 1024' \
	"${corrupt[@]}" "${check[@]}"
run_fio "${corrupt[@]}" --spdkrt_flip_byte=20000 "${check[@]}"
if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
	show_err
	fail "corruption: fio's verify must fail after a flipped byte (exit status $rc)"
elif ! grep -q "flipped the byte at offset 20000" "$out.err" ||
	! grep -qE "crc32c: verify failed at file Malloc0 offset 16384" "$out.err"; then
	show_err
	fail "corruption: expected the flip and fio's crc32c failure on the block at 16384"
elif ! check_json 'job("write")["error"] == 0 and job("check")["error"] == 84'; then
	fail "corruption: JSON (the first verify passes, the second fails with EILSEQ)"
else
	pass "corruption: $(grep -m1 'verify failed' "$out.err")"
fi

# --- bad options: a clear message and a non-zero exit, never a crash or a hang --------------------
expect_error "bad option: unknown spec key" "unknown key 'bogus'" \
	"${common[@]}" "--spdkrt_bdev=malloc:name=Malloc0,size_mb=8,bogus=1" --filename=Malloc0 \
	--name=bad --rw=read --bs=4k --size=1M
expect_error "bad option: unknown module" "unknown module 'nosuch'" \
	"${common[@]}" "--spdkrt_bdev=nosuch:name=X" --filename=X --name=bad --rw=read \
	--bs=4k --size=1M
expect_error "bad option: no thread=1" "needs thread=1" \
	"--ioengine=external:$plugin" --spdkrt_no_huge=1 "--spdkrt_bdev=$malloc0" \
	--filename=Malloc0 --name=bad --rw=read --bs=4k --size=1M
expect_error "bad option: filename of a bdev that does not exist" \
	"filename=Nope: there is no spdkrt bdev of that name" \
	"${common[@]}" "--spdkrt_bdev=$malloc0" --filename=Nope --name=bad --rw=read --bs=4k \
	--size=1M
expect_error "bad option: no spdkrt_bdev at all" "there is no spdkrt bdev of that name" \
	"${common[@]}" --filename=Malloc0 --name=bad --rw=read --bs=4k --size=1M
expect_error "bad option: unknown spdkrt_log_level" "spdkrt_log_level=loud: unknown level" \
	--thread=1 "--ioengine=external:$plugin" --spdkrt_no_huge=1 --spdkrt_log_level=loud \
	"--spdkrt_bdev=$malloc0" --filename=Malloc0 --name=bad --rw=read --bs=4k --size=1M
expect_error "misaligned I/O: bs=1000 on 512-byte blocks" \
	"must be multiples of the block size, 512 bytes" \
	"${common[@]}" "--spdkrt_bdev=$malloc0" --filename=Malloc0 --name=bad --rw=write \
	--bs=1000 --size=1M
expect_error "misaligned I/O: bs=4k on a 4096-byte-block bdev at offset 512" \
	"must be multiples of the block size, 4096 bytes" \
	"${common[@]}" "--spdkrt_bdev=malloc:name=M4k,size_mb=8,block_size=4096" --filename=M4k \
	--name=bad --rw=read --bs=4k --offset=512 --size=1M

# Nothing may be left in the jobs' working directory but fio's own verify state files: no file
# named like a bdev.
stray=$(ls -A "$work" | grep -vE -- '-verify\.state$|\.prerun\.txt$' || true)
if [ -n "$stray" ]; then
	fail "fio created files in its working directory: $(echo "$stray" | tr '\n' ' ')"
else
	pass "no stray files in fio's working directory"
fi

# --- the plugin under AddressSanitizer and UBSan (SPDKRT_TEST_QUICK=1 skips it) ------------------
# fio itself is not instrumented: libasan is preloaded. The leaks fio has on its own (with any
# engine) are suppressed by name; the plugin's and the library's are not.
if [ "${SPDKRT_TEST_QUICK:-0}" = 1 ]; then
	skip "plugin under ASan+UBSan (SPDKRT_TEST_QUICK=1)"
else
	asan_builddir=${FIO_ASAN_BUILDDIR:-$top/build-fio-asan}
	echo "building the plugin with ASan+UBSan in $asan_builddir"
	if ! BUILDDIR=$asan_builddir scripts/build.sh --enable-werror --enable-asan --enable-debug \
		--with-fio="$fio_src" >"$tmp/build-asan.log" 2>&1; then
		tail -n 40 "$tmp/build-asan.log"
		fail "plugin under ASan+UBSan: build"
	else
		printf 'leak:options_mem_dupe\nleak:dup_files\n' >"$tmp/lsan.supp"
		fio_cmd=(env "LD_PRELOAD=$(${CC:-gcc} -print-file-name=libasan.so)"
			"ASAN_OPTIONS=detect_leaks=1:abort_on_error=0"
			"LSAN_OPTIONS=suppressions=$tmp/lsan.supp:print_suppressions=0"
			"UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1" fio)
		plugin=$asan_builddir/examples/fio/.libs/spdkrt_fio.so
		common=(--thread=1 "--ioengine=external:$plugin" --spdkrt_no_huge=1
			--spdkrt_log_level=warn --verify_state_save=0)
		# asan_case NAME WANT_RC ARGS...: fio exits WANT_RC (0, or 1 for an expected error)
		# with no sanitizer report.
		asan_case() {
			local name=$1 want=$2
			shift 2
			run_fio "$@"
			if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$out.err"; then
				grep -A12 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$out.err" |
					sed 's/^/  | /' | head -n 30
				fail "ASan+UBSan: $name (sanitizer report)"
			elif [ "$rc" -ne "$want" ]; then
				show_err
				fail "ASan+UBSan: $name (exit status $rc, expected $want)"
			else
				pass "ASan+UBSan: $name"
			fi
		}
		asan_case "numjobs=2, 2 bdevs each, md5 write+verify, fsync" 0 \
			"${common[@]}" "--spdkrt_bdev=$malloc0;malloc:name=Malloc1,size_mb=64,block_size=4096" \
			--filename=Malloc0:Malloc1 --name=two --numjobs=2 --offset_increment=16M \
			--size=16M --rw=randwrite --bs=4k --iodepth=16 --verify=md5 --do_verify=1 \
			--verify_fatal=1 --fsync=32
		asan_case "trimwrite+verify then randtrim, create_serialize=0" 0 \
			"${common[@]}" "--spdkrt_bdev=$malloc0" --filename=Malloc0 --bs=4k --iodepth=16 \
			--size=8M --create_serialize=0 --name=trimwrite --rw=trimwrite --verify=crc32c \
			--do_verify=1 --name=trim --stonewall --rw=randtrim
		asan_case "corruption caught" 1 "${corrupt[@]/--ioengine=*/--ioengine=external:$plugin}" \
			--spdkrt_flip_byte=20000 "${check[@]}"
		asan_case "unknown spec key" 1 "${common[@]}" \
			"--spdkrt_bdev=malloc:name=Malloc0,size_mb=8,bogus=1" --filename=Malloc0 \
			--name=bad --rw=read --bs=4k --size=1M
		asan_case "filename of a bdev that does not exist" 1 "${common[@]}" \
			"--spdkrt_bdev=$malloc0" --filename=Nope --name=bad --rw=read --bs=4k --size=1M
		asan_case "misaligned I/O" 1 "${common[@]}" "--spdkrt_bdev=$malloc0" \
			--filename=Malloc0 --name=bad --rw=write --bs=1000 --size=1M
	fi
fi

left=$(ls -A "$RUNTIME_DIRECTORY/dpdk" 2>/dev/null || true)
if [ -n "$left" ]; then
	fail "the environment was not released by every fio run (left: $(echo "$left" | tr '\n' ' '))"
else
	pass "every fio run released the spdkrt environment (no DPDK runtime directory left)"
fi

echo "fio plugin: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
