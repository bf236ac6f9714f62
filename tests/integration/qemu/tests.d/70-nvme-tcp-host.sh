#!/bin/bash
# spdkrt's NVMe/TCP host against the Linux kernel's nvmet-tcp target, inside the guest (no NIC:
# loopback only). The kernel target is set up through configfs: two subsystems backed by files
# (buffered_io: the guest's tmpfs has no O_DIRECT), two ports (4420, 4421), subsystem 1 on both
# ports and subsystem 2 on 4420. Then: spdkrt-nvme-discover lists them; identify, hello_world and
# perf run over TCP; probing through the discovery NQN identifies every subsystem; bdevperf verify
# runs on an nvme bdev over TCP with and without digests; fio (spdkrt's ioengine, when the
# initramfs has it) writes and verifies an nvme bdev over TCP with digests; a port removed and
# re-added while perf runs makes the I/O fail cleanly or resume, never hang; with reconnect
# options bdevperf verify on an nvme bdev resumes (asserted). Runs in the uio boot only.
set -u
if [ "${SPDKRT_PROVIDER:-}" != uio ]; then
	echo "ok: nvme-tcp-host: runs in the uio boot"
	exit 0
fi
t0=$(date +%s)
failed=0
bad() {
	echo "FAIL: nvme-tcp-host: $*"
	failed=1
}
good() { echo "ok: nvme-tcp-host: $*"; }
# tool NAME ARGS...: a guest program, bounded: a hang fails its check instead of the whole boot.
tool() { timeout -k 5 120 "$SPDKRT_BIN/$1" "${@:2}"; }
# bounded OUT NAME ARGS...: tool with its output in OUT, killed after $bound s (default 120); if
# it hangs, what it waits on (its threads), the sockets' queues and the kernel's last lines go to
# the console before the kill.
bounded() {
	local out=$1 pid
	shift
	"$SPDKRT_BIN/$1" "${@:2}" >"$out" 2>&1 &
	pid=$!
	for _ in $(seq $((${bound:-120} * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "hang: nvme-tcp-host: $1 still runs after ${bound:-120} s: threads, sockets, dmesg:"
		for t in /proc/$pid/task/*; do
			echo "  $(cat "$t/comm") wchan $(cat "$t/wchan") $(cut -d' ' -f3,14 "$t/stat")"
		done
		cut -c1-80 /proc/net/tcp
		dmesg | tail -8
		tail -8 "$out"
		kill -9 "$pid"
	fi
	wait "$pid"
}

ip link set lo up
work=/tmp/nvme-tcp-host
mkdir -p "$work"
cfg=/sys/kernel/config
grep -q " $cfg configfs" /proc/mounts || mount -t configfs none "$cfg" || {
	bad "cannot mount configfs"
	exit 1
}
nvmet=$cfg/nvmet
[ -d "$nvmet" ] || {
	bad "no $nvmet (nvmet not loaded)"
	exit 1
}
nqn1=nqn.2026-12.io.spdkrt:kern1
nqn2=nqn.2026-12.io.spdkrt:kern2
disc=nqn.2014-08.org.nvmexpress.discovery

# subsystem NQN FILE: an NVM subsystem any host may use, namespace 1 on FILE.
subsystem() {
	local s=$nvmet/subsystems/$1
	dd if=/dev/zero of="$2" bs=1M count=16 2>/dev/null
	mkdir "$s" && echo 1 >"$s/attr_allow_any_host" && mkdir "$s/namespaces/1" &&
		echo "$2" >"$s/namespaces/1/device_path" &&
		echo 1 >"$s/namespaces/1/buffered_io" &&
		echo 1 >"$s/namespaces/1/enable"
}
# port ID TRSVCID: a TCP port on 127.0.0.1.
port() {
	local p=$nvmet/ports/$1
	mkdir "$p" && echo tcp >"$p/addr_trtype" && echo ipv4 >"$p/addr_adrfam" &&
		echo 127.0.0.1 >"$p/addr_traddr" && echo "$2" >"$p/addr_trsvcid"
}
expose() { ln -s "$nvmet/subsystems/$1" "$nvmet/ports/$2/subsystems/$1"; }
hide() { rm -f "$nvmet/ports/$2/subsystems/$1"; }

if subsystem "$nqn1" "$work/ns1.img" && subsystem "$nqn2" "$work/ns2.img" &&
	port 1 4420 && port 2 4421 && expose "$nqn1" 1 && expose "$nqn1" 2 && expose "$nqn2" 1; then
	good "kernel target: 2 subsystems, 2 ports ($(($(date +%s) - t0)) s)"
else
	bad "cannot set up the kernel target through configfs"
	exit 1
fi

trid() { echo "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$1 subnqn:$2"; }

# Discovery: every (subsystem, port) pair of the port asked, printed like nvme discover.
if tool nvme_discover -r "$(trid 4420 "$disc")" >"$work/disc" 2>"$work/disc.err"; then
	grep -q "^subnqn:  $nqn1" "$work/disc" && grep -q "^subnqn:  $nqn2" "$work/disc" &&
		grep -q "^trsvcid: 4420" "$work/disc" && good "spdkrt-nvme-discover lists both subsystems" ||
		{ bad "discovery log lacks a subsystem"; cat "$work/disc"; }
	tool nvme_discover --json -r "$(trid 4421 "$disc")" >"$work/disc2" 2>&1 &&
		grep -q "\"subnqn\": \"$nqn1\"" "$work/disc2" && ! grep -q "$nqn2" "$work/disc2" &&
		good "the discovery log of port 4421 lists only subsystem 1" ||
		{ bad "discovery through port 4421"; cat "$work/disc2"; }
else
	bad "spdkrt-nvme-discover failed"
	cat "$work/disc" "$work/disc.err"
fi

# The tools over TCP.
if tool nvme_identify -r "$(trid 4420 "$nqn1")" >"$work/id" 2>&1; then
	grep -q "Namespace 1" "$work/id" && good "spdkrt-nvme-identify over TCP" ||
		{ bad "identify shows no namespace"; head -40 "$work/id"; }
else
	bad "spdkrt-nvme-identify over TCP"
	tail -20 "$work/id"
fi
if tool nvme_hello_world -r "$(trid 4421 "$nqn1")" >"$work/hello" 2>&1 &&
	grep -q "Hello world!" "$work/hello"; then
	good "hello_world over TCP (port 4421)"
	dd if="$work/ns1.img" bs=512 count=1 2>/dev/null | grep -q "Hello world!" &&
		good "the kernel target's file holds what hello_world wrote" ||
		bad "the kernel target's file does not hold hello_world's block"
else
	bad "hello_world over TCP"
	tail -20 "$work/hello"
fi
if bounded "$work/perf" nvme_perf -r "$(trid 4420 "$nqn2")" -t 1 -q 16 -o 4096 -w randrw \
	-M 50 && grep -q "^Total" "$work/perf"; then
	good "perf over TCP: $(grep '^Total' "$work/perf" | tr -s ' ')"
else
	bad "perf over TCP"
	tail -20 "$work/perf"
fi
# A probe through the discovery NQN attaches every subsystem listed.
if tool nvme_identify -r "$(trid 4420 "$disc")" >"$work/id_all" 2>&1; then
	[ "$(grep -c '^NVMe controller' "$work/id_all")" -ge 2 ] &&
		good "identify through the discovery service reaches every listed controller" ||
		{ bad "identify through discovery missed a controller"; grep '^NVMe controller' "$work/id_all"; }
else
	bad "identify through the discovery service"
	tail -20 "$work/id_all"
fi

# bdevperf verify on nvme bdevs from the TCP spec, plain and with header and data digests.
spec() { echo "nvme:name=$1,trtype=tcp,adrfam=ipv4,traddr=127.0.0.1,trsvcid=$2,subnqn=$3$4"; }
for digests in "" ",hdgst=true,ddgst=true"; do
	what="bdevperf verify over TCP${digests:+ with digests}"
	if bound=60 bounded "$work/bdevperf" bdevperf -q 16 -o 8192 -w verify -t 2 \
		-b "$(spec Kern0 4420 "$nqn2" "$digests")" && grep -q "^Total" "$work/bdevperf"; then
		good "$what: $(grep '^Total' "$work/bdevperf" | tr -s ' ')"
	else
		bad "$what"
		tail -20 "$work/bdevperf"
	fi
done

# fio through spdkrt's ioengine on an nvme bdev over TCP with digests: write then verify (md5),
# and fio's read of what the kernel target's file holds matches it (the same data both ways).
if [ -x "$SPDKRT_BIN/fio" ] && [ -f /spdkrt/lib/spdkrt_fio.so ]; then
	if bounded "$work/fio" fio --thread=1 --ioengine=external:/spdkrt/lib/spdkrt_fio.so \
		--spdkrt_no_huge=1 --spdkrt_bdev="$(spec Kern1 4420 "$nqn1" ",hdgst=true,ddgst=true")" \
		--filename=Kern1n1 --name=tcpverify --rw=randwrite --bs=8k --iodepth=16 --size=8M \
		--verify=md5 --do_verify=1 --output-format=json --output="$work/fio.json" &&
		grep -q '"error" : 0' "$work/fio.json"; then
		good "fio verify on an nvme bdev over TCP with digests"
	else
		bad "fio verify over TCP"
		tail -20 "$work/fio" "$work/fio.json" 2>/dev/null
	fi
else
	echo "ok: nvme-tcp-host: fio: no fio or spdkrt_fio.so in the initramfs (scripts/test-fio.sh builds the plugin)"
fi

# A port taken away while I/O runs: the I/O fails cleanly or resumes; the tool exits, no hang.
"$SPDKRT_BIN/nvme_perf" -r "$(trid 4421 "$nqn1")" -t 4 -q 8 -o 4096 -w randread \
	>"$work/perf_cut" 2>&1 &
perf=$!
sleep 1.5
hide "$nqn1" 2
sleep 1
expose "$nqn1" 2
s=$(date +%s)
rc=0
for _ in $(seq 300); do
	kill -0 "$perf" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$perf" 2>/dev/null; then
	bad "perf hangs after its port was removed and re-added"
	kill -9 "$perf"
else
	wait "$perf" || rc=$?
	good "perf ended (exit $rc) $(($(date +%s) - s)) s after the port came back"
fi

# With reconnect options the nvme bdev rides it out: the port's subsystem goes away during a
# bdevperf verify (the kernel drops its controllers) and comes back; the driver reconnects,
# the I/O the loss failed goes again, and the run ends without an error.
bounded "$work/bdevperf_reconnect" bdevperf -q 8 -o 4096 -w verify -t 7 -L notice \
	-b "$(spec Kern1 4421 "$nqn1" ",reconnect_delay_sec=1,ctrlr_loss_timeout_sec=60")" &
bp=$!
sleep 3
hide "$nqn1" 2
sleep 2
expose "$nqn1" 2
if wait "$bp" && grep -q "^Total" "$work/bdevperf_reconnect" &&
	grep -q "reconnect: attempt [0-9]* succeeded" "$work/bdevperf_reconnect"; then
	good "bdevperf verify resumed after its port's subsystem was removed and re-added:" \
		"$(grep -c "reconnect: attempt [0-9]*$" "$work/bdevperf_reconnect") reconnect attempts," \
		"$(grep '^Total' "$work/bdevperf_reconnect" | tr -s ' ')"
else
	bad "bdevperf with reconnect options did not resume after the port came back"
	grep -E "reconnect|lost|waits|goes again|Total|error" "$work/bdevperf_reconnect" | tail -20
fi

rm -f "$nvmet"/ports/*/subsystems/*
rmdir "$nvmet"/ports/* "$nvmet"/subsystems/*/namespaces/* "$nvmet"/subsystems/* 2>/dev/null
echo "ok: nvme-tcp-host: $(($(date +%s) - t0)) s in the guest"
exit "$failed"
