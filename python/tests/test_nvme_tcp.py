# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt.nvme over NVMe/TCP: the real host driver (spdkrt.nvme.connect) against the real target
made with spdkrt.nvmf on 127.0.0.1, with the TCP connect options: hostnqn and hostid (the
target reports the host identifier back), header and data digests (the target's debug log shows
the ICReq asking for them), and TLS with the right key, a wrong one and none. The host runs on
its own OS thread while the test's thread polls the target."""
import concurrent.futures
import errno
import uuid

import pytest

import spdkrt
from spdkrt import nvme, nvmf

NQN = "nqn.2016-06.io.spdk:pytest-tcp"
HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-1111-2222-3333-666666666666"
HOSTID = uuid.UUID("7e57c0de-0000-4000-8000-0000000000b0")
KEY = "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:"
WRONG_KEY = "NVMeTLSkey-1:01:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOeXryU:"
FEAT_HOST_IDENTIFIER = 0x81
OPC_GET_FEATURES = 0x0A


@pytest.fixture
def target(thread):
    with nvmf.Target() as tgt:
        tgt.add_poll_group()
        yield tgt


def run_host(tgt, fn, timeout=60.0):
    """fn() on another OS thread while this one polls the target; fn's result or exception."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(fn)
        tgt.poll_until(future.done, timeout)
        return future.result()


def trid(port, subnqn=NQN):
    return "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:%s subnqn:%s" % (port, subnqn)


def write_read_back(ctrlr):
    """Blocks 8.. through an I/O queue: in-capsule data (512 B) and R2T (64 KiB), read back."""
    ns = ctrlr.ns(1)
    with ctrlr.alloc_io_qpair() as qp:
        for lba, data in ((8, bytes(range(256)) * 2), (64, bytes(range(251)) * 261 + b"x")):
            data = data[:len(data) // 512 * 512]
            ns.write(qp, lba, data)
            assert ns.read(qp, lba, len(data) // 512) == data


def test_hostnqn_hostid_digests(target, malloc, log_lines):
    _, port = target.listen("127.0.0.1", "0")
    ss = target.create_subsystem(NQN, serial_number="PYTCP01")
    ss.add_host(HOSTNQN)
    assert ss.add_ns(malloc.name) == 1
    level = spdkrt.get_log_level()
    spdkrt.set_log_level("debug")

    def host():
        with nvme.connect(trid(port), hostnqn=HOSTNQN, hostid=HOSTID, header_digest=True,
                          data_digest=True, keep_alive_timeout_ms=2000) as ctrlr:
            # Get Features Host Identifier, 128-bit (EXHID): what Connect carried
            got = ctrlr.admin(OPC_GET_FEATURES, cdw10=FEAT_HOST_IDENTIFIER, cdw11=1,
                              read_length=16).data
            write_read_back(ctrlr)
            return got

    try:
        assert run_host(target, host) == HOSTID.bytes
    finally:
        spdkrt.set_log_level(level)
    icreqs = [m for _, _, m in log_lines if "ICReq" in m]
    assert icreqs and all("header digest 1, data digest 1" in m for m in icreqs), icreqs


def test_a_host_not_allowed_is_refused(target, malloc):
    _, port = target.listen("127.0.0.1", "0")
    ss = target.create_subsystem(NQN)
    ss.add_host(HOSTNQN)
    ss.add_ns(malloc.name)

    def host():
        nvme.connect(trid(port), hostnqn="nqn.2014-08.org.example:someone-else")

    with pytest.raises(spdkrt.SpdkrtError):
        run_host(target, host)


def test_tls_with_the_right_key_a_wrong_one_and_none(target, malloc):
    _, port = target.listen("127.0.0.1", "0", secure_channel=True)
    ss = target.create_subsystem(NQN)
    ss.add_host(HOSTNQN, psk=KEY)
    ss.add_ns(malloc.name)

    def host_with(**opts):
        def host():
            with nvme.connect(trid(port), hostnqn=HOSTNQN, admin_timeout_us=5_000_000,
                              **opts) as ctrlr:
                write_read_back(ctrlr)
        return host

    run_host(target, host_with(psk=KEY))
    run_host(target, host_with(psk=KEY, header_digest=True, data_digest=True))
    with pytest.raises(spdkrt.SpdkrtError) as e:
        run_host(target, host_with(psk=WRONG_KEY))
    assert e.value.errno == errno.EACCES
    with pytest.raises(spdkrt.SpdkrtError):
        run_host(target, host_with())


def test_bad_tcp_options_raise(env):
    with pytest.raises(ValueError):
        nvme.ctrlr_opts(hostid=b"short")
    with pytest.raises(ValueError):
        nvme.ctrlr_opts(hostid="not-a-uuid")
    with pytest.raises(ValueError):
        nvme.ctrlr_opts(psk="x" * 200)
    with pytest.raises(TypeError):
        nvme.ctrlr_opts(header_digest=1)
    o = nvme.ctrlr_opts(hostid=HOSTID, psk=KEY, data_digest=True)
    assert bytes(o.hostid) == HOSTID.bytes and o.psk.decode() == KEY and o.data_digest
