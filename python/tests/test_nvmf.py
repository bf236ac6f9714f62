# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt.nvmf: a target made from Python exports a malloc bdev over NVMe/TCP on 127.0.0.1, and
a host (nvme_tcp_host.py, on its own Python thread) connects, identifies, writes and reads
while the test's thread polls the target."""
import concurrent.futures
import errno

import pytest

import spdkrt
from nvme_tcp_host import attach
from spdkrt import nvmf

NQN = "nqn.2016-06.io.spdk:pytest1"
OPC_WRITE, OPC_READ, OPC_IDENTIFY = 0x01, 0x02, 0x06


@pytest.fixture
def target(thread):
    with nvmf.Target() as tgt:
        tgt.add_poll_group()
        yield tgt


def port_of(tgt):
    traddr, port = tgt.listen("127.0.0.1", "0")
    assert traddr == "127.0.0.1" and int(port) > 0
    return int(port)


def run_host(tgt, fn, timeout=30.0):
    """fn() on another OS thread while this one polls the target; fn's result or exception."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(fn)
        tgt.poll_until(future.done, timeout)
        return future.result()


def test_a_host_identifies_writes_and_reads(target, malloc):
    port = port_of(target)
    ss = target.create_subsystem(NQN, serial_number="PY0001", model_number="spdkrt pytest",
                                 allow_any_host=True)
    assert ss.add_ns(malloc.name) == 1
    data = bytes(range(256)) * 8  # four of the malloc bdev's 512-byte blocks

    def host():
        admin, io = attach(port, NQN)
        try:
            cpl, ident = admin.admin(OPC_IDENTIFY, cdw10=1, read_length=4096)
            assert cpl.ok
            cpl, nsdata = admin.admin(OPC_IDENTIFY, nsid=1, cdw10=0, read_length=4096)
            assert cpl.ok
            cpl, _ = io.rw(OPC_WRITE, 1, 8, len(data) // 512, data=data)
            assert cpl.ok
            cpl, back = io.rw(OPC_READ, 1, 8, len(data) // 512, read_length=len(data))
            assert cpl.ok
            return ident, nsdata, back
        finally:
            io.close()
            admin.close()

    ident, nsdata, back = run_host(target, host)
    assert ident[4:24].decode().rstrip() == "PY0001"
    assert ident[24:64].decode().rstrip() == "spdkrt pytest"
    assert ident[768:768 + len(NQN)].decode() == NQN
    assert int.from_bytes(nsdata[0:8], "little") == malloc.num_blocks
    assert back == data
    with spdkrt.Desc.open(malloc.name) as desc:  # the bytes are in the bdev
        assert desc.read(8 * 512, len(data)) == data
    stats = target.stats()
    assert stats["connections_accepted"] == 2 and stats["commands"] >= 6
    assert stats["bytes_written"] == len(data) and stats["bytes_read"] >= len(data)


def test_a_subsystem_is_reachable_only_through_its_listeners(target, malloc):
    port_a, port_b = port_of(target), port_of(target)
    ss = target.create_subsystem(NQN, allow_any_host=True)
    ss.add_ns(malloc.name)
    ss.add_listener("127.0.0.1", str(port_b))
    with pytest.raises(PermissionError):
        run_host(target, lambda: attach(port_a, NQN, io_queue=False))

    def through_b():
        admin, _ = attach(port_b, NQN, io_queue=False)
        admin.close()

    run_host(target, through_b)


def test_a_host_not_allowed_is_refused(target, malloc):
    port = port_of(target)
    ss = target.create_subsystem(NQN)
    ss.add_ns(malloc.name)
    assert not ss.allow_any_host and ss.hosts() == []
    with pytest.raises(PermissionError):
        run_host(target, lambda: attach(port, NQN, io_queue=False))
    ss.add_host("nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-1111-2222-3333-555555555555")

    def allowed():
        admin, _ = attach(port, NQN, io_queue=False)
        admin.close()

    run_host(target, allowed)


def test_subsystems_namespaces_listeners(target, malloc):
    ss = target.create_subsystem(NQN, serial_number="SN1")
    assert target.find_subsystem(NQN).nqn == NQN and target.find_subsystem("nqn.x:no") is None
    assert [s.nqn for s in target.subsystems()] == [NQN]
    ss.model_number = "model two"
    assert (ss.serial_number, ss.model_number) == ("SN1", "model two")
    ss.add_host("nqn.2014-08.org.example:host1")
    ss.add_host("nqn.2014-08.org.example:host2")
    ss.remove_host("nqn.2014-08.org.example:host1")
    assert ss.hosts() == ["nqn.2014-08.org.example:host2"]
    assert ss.add_ns(malloc.name, nsid=5, uuid=bytes(range(16))) == 5
    assert ss.namespaces() == {5: malloc.name}
    ss.remove_ns(5)
    assert ss.namespaces() == {}
    _, port = target.listen("127.0.0.1", "0")
    assert target.listeners() == [("127.0.0.1", port)]
    assert ss.listeners() == []  # reachable on every listener
    ss.add_listener("127.0.0.1", port)
    assert ss.listeners() == [("127.0.0.1", port)]
    with pytest.raises(spdkrt.SpdkrtError) as e:
        ss.add_listener("127.0.0.1", "1")  # not a listener of the target
    assert e.value.errno == errno.ENOENT
    ss.remove_listener("127.0.0.1", port)
    assert ss.listeners() == []
    target.stop_listen("127.0.0.1", port)
    assert target.listeners() == []
    ss.destroy()
    assert target.find_subsystem(NQN) is None
    with pytest.raises(spdkrt.SpdkrtError) as e:
        ss.add_ns(malloc.name)
    assert e.value.errno == errno.ENOENT


def test_bad_input_raises_never_crashes(target, malloc):
    with pytest.raises(spdkrt.SpdkrtError) as e:
        target.create_subsystem("not an nqn")
    assert e.value.errno == errno.EINVAL
    ss = target.create_subsystem(NQN)
    with pytest.raises(spdkrt.SpdkrtError) as e:
        target.create_subsystem(NQN)
    assert e.value.errno == errno.EEXIST
    with pytest.raises(spdkrt.SpdkrtError) as e:
        ss.add_ns("NoSuchBdev")
    assert e.value.errno == errno.ENODEV
    ss.add_ns(malloc.name, nsid=1)
    with pytest.raises(spdkrt.SpdkrtError):
        ss.serial_number = "x" * 21
    with pytest.raises(ValueError):
        ss.add_ns(malloc.name, nsid=2 ** 32)
    with pytest.raises(ValueError):
        ss.add_ns(malloc.name, uuid=b"short")
    with pytest.raises(TypeError):
        ss.add_ns(malloc.name, nsid="2")
    with pytest.raises(TypeError):
        ss.allow_any_host = 1
    with pytest.raises(spdkrt.SpdkrtError):
        target.listen("not-an-address", "0")
    with pytest.raises(spdkrt.SpdkrtError):
        target.listen("127.0.0.1", "0", trtype="rdma")
    with pytest.raises(TypeError):
        nvmf.Target(no_such_option=1)
    with pytest.raises(spdkrt.SpdkrtError):  # out of the documented range
        nvmf.Target(max_queue_depth=1)


def test_target_is_used_on_its_thread_and_dies_with_it(env):
    with spdkrt.Thread("mgmt") as t:
        tgt = nvmf.Target()
        with spdkrt.Thread("other"):
            with pytest.raises(RuntimeError):
                tgt.create_subsystem(NQN)
        t.set_current()
        tgt.create_subsystem(NQN)
    # the thread's close destroyed the target it owned
    assert tgt.handle is not None and not tgt._fin.alive
    with pytest.raises(RuntimeError):
        nvmf.Target()  # no current thread


def test_destroyed_target_is_dead(thread):
    tgt = nvmf.Target()
    tgt.destroy()
    with pytest.raises(ValueError):
        tgt.listeners()
    tgt.destroy()  # twice is harmless
