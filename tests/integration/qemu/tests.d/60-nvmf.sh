#!/bin/bash
# NVMe/TCP interop with the Linux kernel's host, inside the guest (no NIC: loopback only):
# spdkrt-nvmf-tgt exports a file-backed aio bdev and a crypto bdev; the kernel's nvme-tcp host
# discovers and connects through /dev/nvme-fabrics (with and without header/data digests),
# writes and reads with O_DIRECT dd, and the data is checked against the file the target's
# bdev holds; a namespace hot-added over JSON-RPC appears on the host; a host NQN not on the
# allowed list is refused; a host that stops sending Keep Alive is torn down. Runs in the uio
# boot only (one boot is enough for a network test).
set -u
if [ "${SPDKRT_PROVIDER:-}" != uio ]; then
	echo "ok: nvmf: runs in the uio boot"
	exit 0
fi
t0=$(date +%s)
failed=0
bad() {
	echo "FAIL: nvmf: $*"
	failed=1
}
good() { echo "ok: nvmf: $*"; }

ip link set lo up
work=/tmp/nvmf
mkdir -p "$work"
port=4420
nqn=nqn.2016-06.io.spdk:cnode1
hostid=11111111-2222-3333-4444-555555555555
hostnqn=nqn.2014-08.org.nvmexpress:uuid:$hostid
other=nqn.2014-08.org.nvmexpress:uuid:99999999-2222-3333-4444-555555555555
testhost=nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-1111-2222-3333-444444444444
sock=$work/rpc.sock
dd if=/dev/zero of="$work/file0.img" bs=1M count=16 2>/dev/null
cat >"$work/conf.json" <<CONF
{ "bdevs": [ "aio:name=File0,filename=$work/file0.img,block_size=512",
             "malloc:name=Malloc0,size_mb=16,block_size=512",
             "crypto:name=Crypto0,base=Malloc0,cipher=AES_XTS,key=00112233445566778899aabbccddeeff,key2=ffeeddccbbaa99887766554433221100" ],
  "listeners": [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "$port" } ],
  "subsystems": [ { "nqn": "$nqn", "allow_any_host": false, "hosts": [ "$hostnqn" ],
                    "namespaces": [ { "nsid": 1, "bdev": "File0" },
                                    { "nsid": 2, "bdev": "Crypto0" } ] } ] }
CONF
"$SPDKRT_BIN/nvmf_tgt" -c "$work/conf.json" -r "$sock" -m 0x1 --no-huge -s 256 \
	>"$work/tgt.log" 2>&1 &
tgt=$!
for _ in $(seq 300); do
	grep -q ready "$work/tgt.log" && break
	sleep 0.1
done
if ! grep -q ready "$work/tgt.log"; then
	bad "the target did not start"
	cat "$work/tgt.log"
	exit 1
fi
good "spdkrt-nvmf-tgt is up ($(($(date +%s) - t0)) s)"
rpc() { "$SPDKRT_BIN/nvmf_guest" rpc "$sock" "$1" >"$work/rpc.out"; }

# connect NQN HOSTNQN [OPTIONS]: one write to /dev/nvme-fabrics; prints the instance number.
connect() {
	local line
	exec 3<>/dev/nvme-fabrics || return 1
	if ! printf '%s' "transport=tcp,traddr=127.0.0.1,trsvcid=$port,nqn=$1,hostnqn=$2,hostid=$hostid${3:-}" >&3; then
		exec 3>&-
		return 1
	fi
	read -r line <&3
	exec 3>&-
	line=${line#instance=}
	echo "${line%%,*}"
}
disconnect() { echo 1 >"/sys/class/nvme/nvme$1/delete_controller"; }
# The block device of namespace $1 (the only subsystem with namespaces is ours).
wait_ns() {
	local d
	for _ in $(seq 100); do
		for d in /dev/nvme[0-9]n"$1" /dev/nvme[0-9][0-9]n"$1"; do
			[ -b "$d" ] && { echo "$d"; return 0; }
		done
		sleep 0.1
	done
	return 1
}

# Discovery through the kernel's discovery controller.
if inst=$(connect nqn.2014-08.org.nvmexpress.discovery "$hostnqn"); then
	"$SPDKRT_BIN/nvmf_guest" discover "/dev/nvme$inst" >"$work/disc" || bad "discovery log page"
	grep -q "^$nqn 127.0.0.1 $port$" "$work/disc" && good "discovery lists $nqn" ||
		{ bad "discovery log"; cat "$work/disc"; }
	disconnect "$inst"
else
	bad "cannot connect the discovery controller"
fi

dd if=/dev/urandom of="$work/pattern" bs=64k count=16 2>/dev/null
for digests in "" ",hdr_digest,data_digest"; do
	what="connect${digests:+ with digests}"
	if ! inst=$(connect "$nqn" "$hostnqn" "$digests"); then
		bad "$what"
		continue
	fi
	good "$what: controller nvme$inst"
	if n1=$(wait_ns 1) && n2=$(wait_ns 2); then
		# Namespace 1: what the host writes is in the file the target's aio bdev holds.
		off=$([ -z "$digests" ] && echo 0 || echo 64)
		dd if="$work/pattern" of="$n1" bs=64k seek="$off" oflag=direct 2>/dev/null ||
			bad "$what: O_DIRECT write to $n1"
		dd if="$work/file0.img" of="$work/held" bs=64k skip="$off" count=16 2>/dev/null
		cmp -s "$work/pattern" "$work/held" && good "$what: the bdev holds what $n1 wrote" ||
			bad "$what: the bdev's file differs from what $n1 wrote"
		dd if="$n1" of="$work/back" bs=64k skip="$off" count=16 iflag=direct 2>/dev/null
		cmp -s "$work/pattern" "$work/back" && good "$what: $n1 reads back" ||
			bad "$what: $n1 read back differs"
		# Namespace 2: the crypto bdev, through and back.
		dd if="$work/pattern" of="$n2" bs=64k oflag=direct 2>/dev/null
		dd if="$n2" of="$work/back2" bs=64k count=16 iflag=direct 2>/dev/null
		cmp -s "$work/pattern" "$work/back2" && good "$what: crypto namespace $n2 reads back" ||
			bad "$what: crypto namespace $n2 read back differs"
	else
		bad "$what: namespaces did not appear"
		ls /dev/nvme* /sys/block 2>&1 | tr '\n' ' '
	fi
	if [ -n "$digests" ]; then
		# A namespace added while connected appears on the host.
		rpc '{"jsonrpc":"2.0","id":1,"method":"bdev_create","params":{"spec":"malloc:name=Hot0,size_mb=8"}}' ||
			bad "bdev_create over RPC: $(cat "$work/rpc.out")"
		rpc "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nvmf_subsystem_add_ns\",\"params\":{\"nqn\":\"$nqn\",\"bdev_name\":\"Hot0\",\"nsid\":3}}" ||
			bad "nvmf_subsystem_add_ns over RPC: $(cat "$work/rpc.out")"
		wait_ns 3 >/dev/null && good "hot-added namespace 3 appeared on the host" ||
			bad "hot-added namespace 3 did not appear"
	fi
	disconnect "$inst"
done

# A host NQN that is not allowed: refused with an error (not a timeout).
s=$(date +%s)
if connect "$nqn" "$other" >/dev/null 2>&1; then
	bad "a host not on the allowed list connected"
else
	[ $(($(date +%s) - s)) -lt 30 ] && good "a host not on the allowed list is refused" ||
		bad "refusal took $(($(date +%s) - s)) s"
fi

# A host that stops sending Keep Alive is torn down (1 s keep-alive).
rpc "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nvmf_subsystem_add_host\",\"params\":{\"nqn\":\"$nqn\",\"host\":\"$testhost\"}}" ||
	bad "add_host over RPC"
timeout 60 "$SPDKRT_BIN/nvmf_guest" silent-host "$port" "$nqn" &&
	good "a silent host is torn down after its keep-alive timeout" ||
	bad "keep-alive expiry"
rpc '{"jsonrpc":"2.0","id":4,"method":"nvmf_get_stats"}' || bad "nvmf_get_stats"
grep -q '"keep_alive_expirations":1' "$work/rpc.out" || bad "keep-alive expiry not counted"

kill -TERM "$tgt"
rc=0
wait "$tgt" || rc=$?
[ "$rc" -eq 0 ] && good "spdkrt-nvmf-tgt stopped on SIGTERM" || bad "the target exited $rc"
[ "$failed" -eq 0 ] || tail -n 30 "$work/tgt.log"
echo "ok: nvmf: $(($(date +%s) - t0)) s in the guest"
exit "$failed"
