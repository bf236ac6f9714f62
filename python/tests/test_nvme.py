# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt.nvme: the real NVMe driver driven from Python against the register-level controller
model (tests/models/nvme), which the tests' library registers at 0000:0e:00.0 with namespace 1
(512-byte blocks) and namespace 2 (4 KiB blocks). Runs only with that library loaded
(python.sh sets SPDKRT_LIBRARY so for this file)."""
import gc
import importlib.util
import json
import os
import time
import uuid
from ctypes import byref, c_void_p

import pytest

import spdkrt
from conftest import examples_dir, has_nvme_model
from spdkrt import nvme

if not has_nvme_model():
    pytest.skip("the loaded library has no NVMe controller model (python.sh runs this file "
                "with tests/python/libspdkrt_nvme_model.so)", allow_module_level=True)

TRID = "trtype:PCIe traddr:0000:0e:00.0"
BLOCKS = 4096
SC_INVALID_OPCODE = 0x01
SC_ABORTED_BY_REQUEST = 0x07
SC_INVALID_NAMESPACE = 0x0B
SC_RESERVATION_CONFLICT = 0x83
# command specific status codes (sct 1)
SC_INVALID_FIRMWARE_SLOT = 0x06
SC_INVALID_FORMAT = 0x0A
SC_NAMESPACE_INSUFFICIENT_CAPACITY = 0x15
SC_NAMESPACE_ALREADY_ATTACHED = 0x18


@pytest.fixture
def model(thread):
    """The controller model, registered on the test's spdkrt thread (its polls run it)."""
    handle = c_void_p()
    assert spdkrt.lib().spdkrt_test_model_start(BLOCKS, byref(handle)) == 0
    yield handle.value
    spdkrt.nvme._detach_all()  # the driver lets go before the device goes
    spdkrt.lib().spdkrt_test_model_stop(handle.value)


def io_commands(model):
    return spdkrt.lib().spdkrt_test_model_io_commands(model)


@pytest.fixture
def ctrlr(model):
    with nvme.connect(TRID) as c:
        yield c


@pytest.fixture
def qp(ctrlr):
    with ctrlr.alloc_io_qpair() as q:
        yield q


def pattern(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def test_identify_data_as_dicts(ctrlr):
    d = ctrlr.data
    assert d["vid"] == 0x1B36 and d["cntlid"] == 1
    assert isinstance(d["mn"], str) and d["mn"] and not d["mn"].endswith(" ")
    assert d["nn"] >= 2 and ctrlr.num_ns == d["nn"]
    assert ctrlr.trid.traddr == "0000:0e:00.0" and ctrlr.trid == TRID
    assert ctrlr.active_nsids() == [1, 2]
    ns1, ns2 = ctrlr.namespaces()
    assert (ns1.id, ns1.sector_size, ns1.num_sectors) == (1, 512, BLOCKS)
    assert (ns2.id, ns2.sector_size, ns2.size) == (2, 4096, BLOCKS * 4096)
    nd = ns2.data
    assert nd["nsze"] == BLOCKS and nd["flbas"] & 0xF == 3
    assert nd["lbaf"][3] == {"ms": 0, "lbads": 12, "rp": nd["lbaf"][3]["rp"]}
    # Identify sent now agrees with the cached data
    page = ctrlr.identify()
    assert len(page) == 4096 and page[4:24].decode().rstrip() == d["sn"]
    assert ctrlr.cap != 0 and ctrlr.csts & 1 and ctrlr.max_xfer_size >= 4096


def test_synchronous_write_and_read(model, ctrlr, qp):
    ns1, ns2 = ctrlr.ns(1), ctrlr.ns(2)
    before = io_commands(model)
    data = pattern(3 * 512, 1)
    ns1.write(qp, 10, data)
    assert ns1.read(qp, 10, 3) == data
    assert ns2.read(qp, 0, 1) == bytes(4096)  # namespaces are separate stores
    big = pattern(300 * 512, 2)  # above MDTS (128 KiB): split by the driver
    ns1.write(qp, 100, big)
    assert ns1.read(qp, 100, 300) == big
    assert io_commands(model) >= before + 6  # the I/O reached the device


def test_asynchronous_io_and_iovecs(ctrlr, qp):
    ns = ctrlr.ns(2)
    done = []
    with spdkrt.DmaBuffer(8192, 4096) as buf, spdkrt.DmaBuffer(4096, 4096) as a, \
            spdkrt.DmaBuffer(4096, 4096) as b:
        buf.write(pattern(8192, 3))
        ns.write_blocks(qp, buf, 5, 2, done.append)
        assert not done  # callbacks never run inside the submitting call
        ctrlr.wait(lambda: done, qp)
        assert not done[0].is_error and done[0].status_string
        ns.readv_blocks(qp, [a, (b, 0, 4096)], 5, 2, done.append)
        ctrlr.wait(lambda: len(done) == 2, qp)
        assert a.read() + b.read() == pattern(8192, 3)


def test_write_zeroes_deallocate_flush(ctrlr, qp):
    ns = ctrlr.ns(1)
    ns.write(qp, 0, pattern(4 * 512, 4))
    ns.write_zeroes(qp, 1, 2)
    got = ns.read(qp, 0, 4)
    assert got[512:1536] == bytes(1024) and got[:512] == pattern(512, 4)
    ns.deallocate(qp, [(0, 1), (3, 1)])
    ns.flush(qp)


def test_admin_and_io_passthrough(ctrlr, qp):
    r = ctrlr.admin(nvme.OPC_IDENTIFY, cdw10=nvme.CNS_CTRLR, read_length=4096)
    assert not r.completion.is_error and r.data == ctrlr.identify()
    active = ctrlr.admin(nvme.OPC_IDENTIFY, cdw10=nvme.CNS_ACTIVE_NS_LIST, read_length=4096)
    assert active.data[:8] == b"\x01\0\0\0\x02\0\0\0"
    queues = ctrlr.get_feature(0x07)  # Number of Queues: 0-based counts in cdw0
    assert (queues & 0xFFFF) >= 1
    with pytest.raises(nvme.NvmeCommandError) as e:
        ctrlr.admin(0xC1)  # a vendor-specific opcode the model does not know
    assert e.value.completion.sc == SC_INVALID_OPCODE and "INVALID OPCODE" in str(e.value)
    ns = ctrlr.ns(1)
    ns.write(qp, 7, pattern(512, 5))
    r = qp.io(nvme.OPC_READ, nsid=1, cdw10=7, read_length=512)
    assert r.data == pattern(512, 5)
    qp.io(nvme.OPC_WRITE, nsid=1, cdw10=8, data=pattern(512, 6))
    assert ns.read(qp, 8, 1) == pattern(512, 6)


def test_exception_in_a_callback_comes_out_of_process_completions(ctrlr, qp):
    def boom(cpl):
        raise KeyError("raised in the completion callback")

    with spdkrt.DmaBuffer(512) as buf:
        ctrlr.ns(1).read_blocks(qp, buf, 0, 1, boom)
        with pytest.raises(KeyError):
            ctrlr.wait(lambda: False, qp, timeout=5)


def test_synchronous_call_from_a_callback_is_refused(ctrlr, qp):
    ns = ctrlr.ns(1)
    seen = []

    def nested(cpl):
        try:
            ns.read(qp, 0, 1)
        except RuntimeError as e:
            seen.append(e)

    with spdkrt.DmaBuffer(512) as buf:
        ns.read_blocks(qp, buf, 0, 1, nested)
        ctrlr.wait(lambda: seen, qp)


def test_bad_input_raises_never_crashes(ctrlr, qp):
    ns = ctrlr.ns(1)
    done = []
    with spdkrt.DmaBuffer(512) as small:
        with pytest.raises(ValueError):  # 2 blocks into a 1-block buffer
            ns.read_blocks(qp, small, 0, 2, done.append)
        for wrong in (b"\0" * 1024, 0x1000, None):
            with pytest.raises(TypeError):
                ns.read_blocks(qp, wrong, 0, 1, done.append)
        with pytest.raises(ValueError):
            ns.read_blocks(qp, small, 0, 0, done.append)
        with pytest.raises(ValueError):
            ns.read_blocks(qp, small, 2 ** 64, 1, done.append)
        with pytest.raises(ValueError):
            ns.read_blocks(qp, small, 0, 1, done.append, io_flags=1)
    assert not done
    with pytest.raises(spdkrt.SpdkrtError):  # past the end of the namespace
        ns.read(qp, BLOCKS, 1)
    with pytest.raises(ValueError):
        ns.write(qp, 0, b"x" * 100)
    with pytest.raises(spdkrt.SpdkrtError) as e:
        ctrlr.ns(9)
    assert e.value.errno == 19  # ENODEV
    with pytest.raises(ValueError):
        ctrlr.ns(0)
    with pytest.raises(TypeError):
        nvme.ctrlr_opts(no_such_option=1)
    with pytest.raises(ValueError):
        nvme.ctrlr_opts(num_io_queues=2 ** 32)
    with pytest.raises(spdkrt.SpdkrtError):
        nvme.TransportId("trtype:PCIe traddr")
    with pytest.raises(spdkrt.SpdkrtError):  # already attached
        nvme.connect(TRID)
    with pytest.raises(spdkrt.SpdkrtError):  # nothing there
        nvme.connect("trtype:PCIe traddr:0000:0f:00.0")


def test_detach_frees_qpairs_and_handles_die(model):
    c = nvme.connect(TRID, num_io_queues=4, keep_alive_timeout_ms=0)
    q = c.alloc_io_qpair()
    ns = c.ns(1)
    c.detach()
    with pytest.raises(ValueError):
        ns.read(q, 0, 1)
    with pytest.raises(ValueError):
        q.process_completions()
    q.close()  # freed with the controller: nothing left to do


def test_probe_and_garbage_collected_controller(model):
    assert nvme.probe(TRID, accept=lambda trid: False) == []
    found = nvme.probe(TRID, io_queue_size=16)
    assert [str(c.trid.traddr) for c in found] == ["0000:0e:00.0"]
    assert found[0].opts.io_queue_size == 16  # the options given to probe() were used
    del found
    gc.collect()  # the finalizer detached it: it can be attached again
    with nvme.connect(TRID) as c:
        assert c.active_nsids() == [1, 2]


def test_log_page_features_and_reset(ctrlr, qp):
    smart = ctrlr.get_log_page(0x02, 512)  # SMART / health information
    assert len(smart) == 512
    with pytest.raises(spdkrt.SpdkrtError):
        ctrlr.get_log_page(0x02, 510)  # not a multiple of 4: refused before it is sent
    ns = ctrlr.ns(1)
    ns.write(qp, 3, pattern(512, 9))
    ctrlr.reset()  # queue pairs are re-created with the same ids
    assert qp.id == 1 and not ctrlr.is_failed
    assert ns.read(qp, 3, 1) == pattern(512, 9)


def test_nvme_identify_example(ctrlr):
    path = os.path.join(examples_dir(), "nvme_identify.py")
    if not os.path.exists(path):
        pytest.skip("examples/nvme_identify.py not found (SPDKRT_PY_EXAMPLES)")
    spec = importlib.util.spec_from_file_location("nvme_identify", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    d = example.describe(ctrlr)
    json.dumps(d)  # plain data
    assert d["vid"] == 0x1B36 and d["trid"] == "trtype:PCIe traddr:0000:0e:00.0"
    assert [(n["nsid"], n["block_size"], n["blocks"]) for n in d["namespaces"]] == \
        [(1, 512, BLOCKS), (2, 4096, BLOCKS)]


def test_namespace_management_with_events(ctrlr, qp):
    events, changes = [], []
    ctrlr.register_aer_callback(events.append)
    ctrlr.register_ns_change_callback(changes.append)
    nsid = ctrlr.create_ns(128, lbaf=3)  # 128 blocks of 4 KiB
    assert nsid == 3 and ctrlr.active_nsids() == [1, 2]  # created, not attached
    ctrlr.attach_ns(nsid)
    assert ctrlr.active_nsids() == [1, 2, 3] and changes and changes[0] is ctrlr
    ns = ctrlr.ns(nsid)
    assert (ns.sector_size, ns.num_sectors) == (4096, 128)
    ns.write(qp, 5, pattern(2 * 4096, 7))
    assert ns.read(qp, 5, 2) == pattern(2 * 4096, 7)
    # the model raised a namespace-attribute-changed notice for the attachment
    ctrlr.wait(lambda: any(e.is_ns_attr_changed for e in events))
    ev = next(e for e in events if e.is_ns_attr_changed)
    assert (ev.type, ev.info, ev.log_page) == (nvme.AER_TYPE_NOTICE,
                                               nvme.AER_NOTICE_NS_ATTR_CHANGED,
                                               nvme.LOG_CHANGED_NS_LIST)
    assert not ev.completion.is_error and ev.completion.cdw0 == 0x040002

    # Format to 512-byte blocks: same bytes, 8 times the blocks, all erased.
    ctrlr.format(nsid, lbaf=0, ses=1)
    assert (ns.sector_size, ns.num_sectors) == (512, 128 * 8)
    assert ns.data["flbas"] & 0xF == 0
    assert ns.read(qp, 40, 2) == bytes(1024)
    ns.write(qp, 40, pattern(512, 8))
    assert ns.read(qp, 40, 1) == pattern(512, 8)

    ctrlr.detach_ns(nsid)
    assert ctrlr.active_nsids() == [1, 2]
    with pytest.raises(spdkrt.SpdkrtError):  # looked up again: not active any more
        ns.read(qp, 0, 1)
    ctrlr.delete_ns(nsid)
    with pytest.raises(nvme.NvmeCommandError) as e:
        ctrlr.attach_ns(nsid)  # gone
    assert e.value.completion.sc == SC_INVALID_NAMESPACE
    ctrlr.register_aer_callback(None)
    ctrlr.register_ns_change_callback(None)


def test_namespace_management_errors(ctrlr):
    with pytest.raises(nvme.NvmeCommandError) as e:
        ctrlr.create_ns(2 ** 40)  # more than the model holds
    assert (e.value.completion.sct, e.value.completion.sc) == \
        (1, SC_NAMESPACE_INSUFFICIENT_CAPACITY)
    with pytest.raises(nvme.NvmeCommandError) as e:
        ctrlr.create_ns(16, lbaf=9)  # the model offers LBA formats 0..6
    assert (e.value.completion.sct, e.value.completion.sc) == (1, SC_INVALID_FORMAT)
    with pytest.raises(nvme.NvmeCommandError) as e:
        ctrlr.attach_ns(1)
    assert e.value.completion.sc == SC_NAMESPACE_ALREADY_ATTACHED
    with pytest.raises(nvme.NvmeCommandError) as e:
        ctrlr.format(2, lbaf=1, pi=1)  # PI needs 8 bytes of metadata, 512+8 has them: fine
        ctrlr.format(2, lbaf=0, pi=1)  # 512+0 has none
    assert e.value.completion.sc == SC_INVALID_FORMAT
    for bad in (lambda: ctrlr.create_ns(16, lbaf=16), lambda: ctrlr.create_ns(-1),
                lambda: ctrlr.format(1, lbaf=0, ses=8), lambda: ctrlr.attach_ns(1, []),
                lambda: ctrlr.attach_ns(1, [70000]), lambda: ctrlr.delete_ns(2 ** 32)):
        with pytest.raises(ValueError):
            bad()
    with pytest.raises(spdkrt.SpdkrtError):  # nsid 0: refused by the library, not sent
        ctrlr.format(0, lbaf=0)
    assert ctrlr.active_nsids() == [1, 2]


def test_firmware_download_commit_and_slot_log(ctrlr):
    events = []
    ctrlr.register_aer_callback(events.append)
    slots = ctrlr.firmware_slots()
    assert slots["active_slot"] == 1 and slots["revisions"][1] == ctrlr.data["fr"]
    image = b"PYFW0002" + pattern(200 * 1024, 3)[:200 * 1024 - 8]  # above MDTS: in pieces
    ctrlr.fw_download(image)
    ctrlr.fw_commit(2, nvme.FW_COMMIT_REPLACE_IMG)
    slots = ctrlr.firmware_slots()
    assert slots["revisions"][2] == "PYFW0002" and slots["active_slot"] == 1
    # Replace slot 3 and activate it now: the running revision changes.
    ctrlr.fw_download(b"PYFW0003" + bytes(56))
    ctrlr.fw_commit(3, nvme.FW_COMMIT_RUN_IMG)
    ctrlr.wait(lambda: events)
    assert (events[0].type, events[0].info, events[0].log_page) == \
        (nvme.AER_TYPE_NOTICE, nvme.AER_NOTICE_FW_ACTIVATION, nvme.LOG_FIRMWARE_SLOT)
    slots = ctrlr.firmware_slots()
    assert slots["active_slot"] == 3 and slots["revisions"][3] == "PYFW0003"
    assert ctrlr.identify()[64:72] == b"PYFW0003"  # Identify Controller FR
    with pytest.raises(nvme.NvmeCommandError) as e:
        ctrlr.fw_commit(7, nvme.FW_COMMIT_REPLACE_IMG)  # the model has 3 slots
    assert (e.value.completion.sct, e.value.completion.sc) == (1, SC_INVALID_FIRMWARE_SLOT)
    with pytest.raises(ValueError):
        ctrlr.fw_download(b"abc")
    with pytest.raises(ValueError):
        ctrlr.fw_commit(8, 0)
    with pytest.raises(TypeError):
        ctrlr.fw_download("PYFW")


def test_reservations_plain_and_extended_report(model, ctrlr, qp):
    hostid = uuid.UUID("11223344-5566-7788-99aa-bbccddeef00f")
    ctrlr.set_host_identifier(hostid)  # 128 bits (EXHID) before registering
    ns = ctrlr.ns(1)
    r = ns.reservation_report(qp)
    assert (r["rtype"], r["registrants"], r["holder"]) == (0, [], None)
    gen = r["generation"]
    assert spdkrt.lib().spdkrt_test_model_other_host_register(model, 1, 0x0BAD, 0x7777) == 0
    ns.reservation_register(qp, 0x5EED)
    ns.reservation_acquire(qp, 0x5EED, nvme.RESERVE_EXCLUSIVE_ACCESS)
    r = ns.reservation_report(qp)
    assert r["rtype"] == nvme.RESERVE_EXCLUSIVE_ACCESS and r["regctl"] == 2
    assert r["generation"] > gen
    assert [(x["rkey"], x["holds"]) for x in r["registrants"]] == [(0x7777, False),
                                                                    (0x5EED, True)]
    assert r["holder"]["rkey"] == 0x5EED and r["holder"]["cntlid"] == ctrlr.data["cntlid"]
    assert r["registrants"][0]["hostid"] == 0x0BAD
    assert r["holder"]["hostid"] == int.from_bytes(hostid.bytes[:8], "little")
    x = ns.reservation_report(qp, extended=True)
    assert (x["rtype"], x["regctl"], x["generation"]) == (r["rtype"], 2, r["generation"])
    assert [e["rkey"] for e in x["registrants"]] == [0x7777, 0x5EED]
    assert x["holder"]["hostid"][:8] == hostid.bytes[:8]  # the model keeps 64 bits of it
    assert x["registrants"][0]["hostid"] == (0x0BAD).to_bytes(16, "little")

    with pytest.raises(nvme.NvmeCommandError) as e:  # a wrong key
        ns.reservation_release(qp, 0x1234, nvme.RESERVE_EXCLUSIVE_ACCESS)
    assert e.value.completion.sc == SC_RESERVATION_CONFLICT
    ns.reservation_release(qp, 0x5EED, nvme.RESERVE_EXCLUSIVE_ACCESS)
    assert ns.reservation_report(qp)["holder"] is None

    # The other host takes write exclusive: our writes conflict, reads pass.
    assert spdkrt.lib().spdkrt_test_model_other_host_acquire(
        model, 1, 0x0BAD, 0x7777, nvme.RESERVE_WRITE_EXCLUSIVE) == 0
    with pytest.raises(nvme.NvmeCommandError) as e:
        ns.write(qp, 0, pattern(512, 1))
    assert e.value.completion.sc == SC_RESERVATION_CONFLICT
    ns.read(qp, 0, 1)
    # Preempt it: its registration goes, the reservation is ours.
    ns.reservation_acquire(qp, 0x5EED, nvme.RESERVE_WRITE_EXCLUSIVE,
                           action=nvme.RESERVE_PREEMPT, prkey=0x7777)
    r = ns.reservation_report(qp)
    assert [x["rkey"] for x in r["registrants"]] == [0x5EED] and r["holder"]["rkey"] == 0x5EED
    ns.write(qp, 0, pattern(512, 1))
    ns.reservation_register(qp, 0x600D, crkey=0x5EED, action=nvme.RESERVE_REPLACE_KEY)
    ns.reservation_release(qp, 0x600D, 0, action=nvme.RESERVE_CLEAR)
    r = ns.reservation_report(qp, extended=True)
    assert (r["rtype"], r["registrants"]) == (0, [])
    with pytest.raises(ValueError):
        ns.reservation_acquire(qp, 1, 300)
    with pytest.raises(ValueError):
        ns.reservation_register(qp, 2 ** 64)
    with pytest.raises(ValueError):
        nvme.decode_reservation_report(b"short")


def test_timeout_callback_then_abort(model, ctrlr, qp):
    ns = ctrlr.ns(1)
    seen = []
    ctrlr.register_timeout_callback(lambda q, cid: seen.append((q, cid)), io_timeout_us=2000)
    assert spdkrt.lib().spdkrt_test_model_drop(model, qp.id, nvme.OPC_READ, 1) == 0
    done = []
    with spdkrt.DmaBuffer(512) as buf:
        ns.read_blocks(qp, buf, 0, 1, done.append)  # the model never completes it
        ctrlr.wait(lambda: seen, qp, timeout=10)
        end = time.monotonic() + 0.05
        while time.monotonic() < end:
            qp.process_completions()
            ctrlr.process_admin_completions()
        assert len(seen) == 1 and seen[0][0] is qp and not done  # reported once
        abort = ctrlr.abort(qp, seen[0][1])
        assert not abort.is_error
        ctrlr.wait(lambda: done, qp)
    assert done[0].sc == SC_ABORTED_BY_REQUEST
    ctrlr.register_timeout_callback(None)
    assert ns.read(qp, 0, 1) == ns.read(qp, 0, 1)  # the queue works on
    assert len(seen) == 1


def test_admin_timeout_names_no_qpair(model, ctrlr):
    seen = []
    ctrlr.register_timeout_callback(lambda q, cid: seen.append((q, cid)), admin_timeout_us=2000)
    assert spdkrt.lib().spdkrt_test_model_drop(model, 0, 0x0A, 1) == 0  # Get Features
    done = []
    ctrlr.admin_raw(nvme.make_cmd(0x0A, cdw10=0x07), None, 0, done.append)
    ctrlr.wait(lambda: seen, timeout=10)
    assert seen[0][0] is None and not done
    ctrlr.abort(None, seen[0][1])
    ctrlr.wait(lambda: done)
    assert done[0].sc == SC_ABORTED_BY_REQUEST
    ctrlr.register_timeout_callback(None)
    assert ctrlr.get_feature(0x07) & 0xFFFF >= 1


def test_exception_in_an_event_callback_comes_out_of_the_process_call(ctrlr):
    def boom(event):
        raise KeyError("raised in the event callback")

    ctrlr.register_aer_callback(boom)
    nsid = ctrlr.create_ns(8, lbaf=0)
    with pytest.raises(KeyError):  # the attachment's event: out of attach_ns's processing
        ctrlr.attach_ns(nsid)
        ctrlr.wait(lambda: False, timeout=5)
    ctrlr.register_aer_callback(None)
    ctrlr.wait(lambda: nsid in ctrlr.active_nsids())  # the driver went on
    ctrlr.detach()
    with pytest.raises(ValueError):  # a detached controller
        ctrlr.register_aer_callback(boom)
    with pytest.raises(ValueError):
        ctrlr.create_ns(8)
