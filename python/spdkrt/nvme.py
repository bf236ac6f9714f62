# SPDX-License-Identifier: BSD-3-Clause
"""The NVMe driver: controllers attached by transport ID, their identify data as dicts,
namespaces, I/O queue pairs, reads and writes with DMA buffers, and admin and I/O passthrough.

    with spdkrt.nvme.connect("trtype:PCIe traddr:0000:04:00.0") as ctrlr, \\
            ctrlr.alloc_io_qpair() as qp:
        print(ctrlr.data["mn"], [ns.id for ns in ctrlr.namespaces()])
        ns = ctrlr.ns(1)
        ns.write(qp, 0, b"x" * ns.sector_size)
        assert ns.read(qp, 0, 1) == b"x" * ns.sector_size

Asynchronous commands (read_blocks, admin_raw, ...) take callback(Completion), which runs from
QPair.process_completions() (I/O) or Controller.process_admin_completions() (admin), never
inside the submitting call; an exception it raises comes out of that process call. The
synchronous forms poll until their command completed and raise NvmeCommandError for an error
status. A controller is used by one thread at a time, each queue pair too (spdkrt/nvme.h).

Managing a controller: asynchronous events (register_aer_callback), namespace changes
(register_ns_change_callback), command timeouts (register_timeout_callback, abort), namespace
management and attachment (create_ns, attach_ns, detach_ns, delete_ns), format, firmware
(fw_download, fw_commit, firmware_slots) and reservations (Namespace.reservation_register,
_acquire, _release, _report in the plain and the extended form).
"""
import ctypes
import errno
import threading
import time
import uuid
import weakref
from ctypes import byref, c_void_p
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from . import _callbacks, env
from ._lib import b, lib, set_fields, u64
from ._nvme_c import (ATTACH_CB, CMD_CB, NS_CHANGE_CB, NS_DATA_SIZE, PROBE_CB, REMOVE_CB,
                      RESV_REPORT_EXT_HEADER_LEN, TIMEOUT_CB, Cmd, Cpl, CtrlrData, CtrlrList,
                      CtrlrOpts, DsmRange, IoQpairOpts, NsData, RegisteredCtrlrData,
                      RegisteredCtrlrExtendedData, ReservationAcquireData, ReservationKeyData,
                      ReservationRegisterData, ReservationStatusData, TransportIdC,
                      structure_dict)
from .env import DmaBuffer, IovecLike, dma_addr, iovec_array
from .errors import SpdkrtError, check
from .thread import Thread, _polling

NSID_ALL = 0xFFFFFFFF
# Admin opcodes the synchronous helpers use.
OPC_GET_LOG_PAGE, OPC_IDENTIFY = 0x02, 0x06
# I/O opcodes.
OPC_FLUSH, OPC_WRITE, OPC_READ = 0x00, 0x01, 0x02
# Identify CNS values.
CNS_NS, CNS_CTRLR, CNS_ACTIVE_NS_LIST = 0x00, 0x01, 0x02
DSM_DEALLOCATE = 0x4
IO_FLAGS_VALID_MASK = 0xFE000000
# Log pages and features the helpers use.
LOG_FIRMWARE_SLOT, LOG_CHANGED_NS_LIST = 0x03, 0x04
FEAT_HOST_IDENTIFIER = 0x81
# Asynchronous event types (AsyncEvent.type) and notices (AsyncEvent.info of a notice).
AER_TYPE_ERROR, AER_TYPE_SMART, AER_TYPE_NOTICE, AER_TYPE_IO, AER_TYPE_VENDOR = 0, 1, 2, 6, 7
AER_NOTICE_NS_ATTR_CHANGED, AER_NOTICE_FW_ACTIVATION = 0x00, 0x01
AER_NOTICE_TELEMETRY, AER_NOTICE_ANA_CHANGE = 0x02, 0x03
# Firmware commit actions (fw_commit).
FW_COMMIT_REPLACE_IMG, FW_COMMIT_REPLACE_AND_ENABLE = 0, 1
FW_COMMIT_ENABLE_IMG, FW_COMMIT_RUN_IMG = 2, 3
# Reservation types (rtype).
RESERVE_WRITE_EXCLUSIVE, RESERVE_EXCLUSIVE_ACCESS = 1, 2
RESERVE_WRITE_EXCLUSIVE_REG_ONLY, RESERVE_EXCLUSIVE_ACCESS_REG_ONLY = 3, 4
RESERVE_WRITE_EXCLUSIVE_ALL_REGS, RESERVE_EXCLUSIVE_ACCESS_ALL_REGS = 5, 6
# Reservation Register, Acquire and Release actions.
RESERVE_REGISTER_KEY, RESERVE_UNREGISTER_KEY, RESERVE_REPLACE_KEY = 0, 1, 2
RESERVE_ACQUIRE, RESERVE_PREEMPT, RESERVE_PREEMPT_ABORT = 0, 1, 2
RESERVE_RELEASE, RESERVE_CLEAR = 0, 1
# Change Persist Through Power Loss (reservation_register's cptpl).
RESERVE_PTPL_NO_CHANGES, RESERVE_PTPL_CLEAR_POWER_ON, RESERVE_PTPL_PERSIST_POWER_LOSS = 0, 2, 3

_local = threading.local()


class Completion:
    """A command's completion queue entry, copied (the C one is valid only in the callback)."""

    __slots__ = ("cdw0", "cdw1", "sqhd", "sqid", "cid", "status", "status_string")

    def __init__(self, cpl: Cpl):
        self.cdw0, self.cdw1, self.sqhd = cpl.cdw0, cpl.cdw1, cpl.sqhd
        self.sqid, self.cid, self.status = cpl.sqid, cpl.cid, cpl.status
        self.status_string = lib().spdkrt_nvme_cpl_status_string(byref(cpl)).decode()

    sc = property(lambda self: (self.status >> 1) & 0xFF, doc="status code")
    sct = property(lambda self: (self.status >> 9) & 0x7, doc="status code type")
    dnr = property(lambda self: bool(self.status >> 15 & 1), doc="do not retry")

    @property
    def is_error(self) -> bool:
        return self.sc != 0 or self.sct != 0

    def __repr__(self) -> str:
        return "<Completion cid %d cdw0 %#x: %s>" % (self.cid, self.cdw0, self.status_string)


class NvmeCommandError(SpdkrtError):
    """A command completed with an error status; .completion has it (.sct, .sc). The errno
    is EIO."""

    def __init__(self, what: str, completion: Completion):
        super().__init__(-errno.EIO, what)
        self.completion = completion
        self.strerror = "%s: %s" % (what, completion.status_string)
        self.args = (errno.EIO, self.strerror)


CommandCallback = Callable[[Completion], None]
_CMD_DONE = CMD_CB(lambda key, cpl: _callbacks.fire(key, Completion(cpl.contents)))


class AsyncEvent:
    """An asynchronous event, decoded from its completion's cdw0: type (AER_TYPE_*), info (for
    a notice: AER_NOTICE_*) and the log page that tells more (log_page)."""

    __slots__ = ("completion", "type", "info", "log_page")

    def __init__(self, completion: Completion):
        self.completion = completion
        self.type = completion.cdw0 & 0x7
        self.info = (completion.cdw0 >> 8) & 0xFF
        self.log_page = (completion.cdw0 >> 16) & 0xFF

    @property
    def is_ns_attr_changed(self) -> bool:
        return self.type == AER_TYPE_NOTICE and self.info == AER_NOTICE_NS_ATTR_CHANGED

    def __repr__(self) -> str:
        return "<AsyncEvent type %d info %#x log page %#x>" % (self.type, self.info,
                                                               self.log_page)


def _bounded(name: str, value: int, top: int) -> int:
    """value, an int in 0..top, else ValueError (ctypes would silently truncate it)."""
    if not isinstance(value, int) or not 0 <= value <= top:
        raise ValueError("%s must be in 0..%d, not %r" % (name, top, value))
    return value


def _u8(name: str, value: int) -> int:
    return _bounded(name, value, 0xFF)


def _u32(name: str, value: int) -> int:
    if u64(name, value) > 0xFFFFFFFF:
        raise ValueError("%s must be in 0..2**32-1, not %d" % (name, value))
    return value


class TransportId:
    """Where a controller is (struct spdkrt_nvme_transport_id), parsed from SPDK's text form:
    "trtype:PCIe traddr:0000:04:00.0" or "trtype:TCP adrfam:IPv4 traddr:127.0.0.1
    trsvcid:4420 subnqn:nqn...". str() gives that form back."""

    def __init__(self, text: Union[str, "TransportId"]):
        if isinstance(text, TransportId):
            self.c = TransportIdC.from_buffer_copy(text.c)
            return
        self.c = TransportIdC()
        check(lib().spdkrt_nvme_transport_id_parse(byref(self.c), b(text)),
              "spdkrt_nvme_transport_id_parse(%r)" % text)

    @classmethod
    def from_c(cls, c: TransportIdC) -> "TransportId":
        trid = cls.__new__(cls)
        trid.c = TransportIdC.from_buffer_copy(c)
        return trid

    trtype = property(lambda self: self.c.trtype)
    traddr = property(lambda self: self.c.traddr.decode())
    trsvcid = property(lambda self: self.c.trsvcid.decode())
    subnqn = property(lambda self: self.c.subnqn.decode())

    def __str__(self) -> str:
        buf = ctypes.create_string_buffer(1024)
        check(lib().spdkrt_nvme_transport_id_fmt(byref(self.c), buf, len(buf)),
              "spdkrt_nvme_transport_id_fmt")
        return buf.value.decode()

    def __repr__(self) -> str:
        return "TransportId(%r)" % str(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = TransportId(other)
        return isinstance(other, TransportId) and \
            lib().spdkrt_nvme_transport_id_compare(byref(self.c), byref(other.c)) == 0

    def __hash__(self) -> int:
        return hash((self.trtype, self.traddr, self.trsvcid, self.subnqn))


def _hostid_bytes(value: Union[bytes, str, uuid.UUID]) -> bytes:
    """A host identifier: 16 bytes, a uuid.UUID, or its text form."""
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, str):
        return uuid.UUID(value).bytes  # ValueError for a malformed one
    if isinstance(value, (bytes, bytearray)) and len(value) == 16:
        return bytes(value)
    raise ValueError("ctrlr_opts.hostid must be 16 bytes or a UUID, not %r" % (value,))


def ctrlr_opts(**kwargs: Any) -> CtrlrOpts:
    """struct spdkrt_nvme_ctrlr_opts: the defaults, then kwargs (num_io_queues,
    io_queue_size, keep_alive_timeout_ms, hostnqn, ...), each checked. NVMe/TCP: hostnqn,
    hostid (16 bytes or a UUID), header_digest and data_digest (bools), psk (a TLS PSK in the
    interchange format "NVMeTLSkey-1:01:...:": every queue runs TLS 1.3)."""
    opts = CtrlrOpts()
    check(lib().spdkrt_nvme_ctrlr_opts_init(byref(opts), ctypes.sizeof(opts)),
          "spdkrt_nvme_ctrlr_opts_init")
    hostid = kwargs.pop("hostid", None)
    set_fields(opts, "ctrlr_opts", kwargs)
    if hostid is not None:
        ctypes.memmove(opts.hostid, _hostid_bytes(hostid), 16)
    return opts


# Attached controllers by handle: env_fini() detaches what is left; removal callbacks find them.
_controllers: "weakref.WeakValueDictionary[int, Controller]" = weakref.WeakValueDictionary()


def connect(trid: Union[str, TransportId], **opts: Any) -> "Controller":
    """spdkrt_nvme_connect(): attach the one controller at trid, blocking until it is ready.
    Keyword arguments are controller options (ctrlr_opts())."""
    t = TransportId(trid)
    o = ctrlr_opts(**opts)
    handle = c_void_p()
    check(lib().spdkrt_nvme_connect(byref(t.c), byref(o), byref(handle)),
          "spdkrt_nvme_connect(%s)" % t)
    return Controller(handle.value)


def probe(trid: Optional[Union[str, TransportId]] = None,
          accept: Optional[Callable[[TransportId], bool]] = None,
          **opts: Any) -> List["Controller"]:
    """spdkrt_nvme_probe(): attach every NVMe function bound for spdkrt (trid None) or the one
    at trid, those accept(trid) returns true for (default: all), with the controller options
    opts. Returns the attached controllers (none: an empty list)."""
    t = TransportId(trid) if trid is not None else None
    base = ctrlr_opts(**opts)
    attached: List[Controller] = []
    failed: List[BaseException] = []

    def on_probe(_ctx: Any, trid_p: Any, opts_p: Any) -> bool:
        try:
            if accept is not None and not accept(TransportId.from_c(trid_p.contents)):
                return False
            # every field after size, as far as both sides know them
            skip = ctypes.sizeof(ctypes.c_size_t)
            n = min(ctypes.sizeof(base), opts_p.contents.size) - skip
            ctypes.memmove(ctypes.addressof(opts_p.contents) + skip,
                           ctypes.addressof(base) + skip, max(n, 0))
            return True
        except BaseException as e:  # noqa: B902 - cannot cross the C frames
            failed.append(e)
            return False

    def on_attach(_ctx: Any, _trid: Any, handle: int, opts_p: Any) -> None:
        ctrlr = Controller(handle)
        ctrlr.opts = CtrlrOpts()
        ctypes.memmove(byref(ctrlr.opts), opts_p,
                       min(ctypes.sizeof(CtrlrOpts), opts_p.contents.size))
        attached.append(ctrlr)

    probe_fn, attach_fn = PROBE_CB(on_probe), ATTACH_CB(on_attach)
    rc = lib().spdkrt_nvme_probe(byref(t.c) if t is not None else None, None, probe_fn,
                                 attach_fn, _REMOVED)
    if failed:
        for c in attached:
            c.detach()
        raise failed[0]
    if rc < 0 and not attached and rc != -errno.ENODEV:
        check(rc, "spdkrt_nvme_probe")
    return attached


def _on_removed(_ctx: Any, handle: int) -> None:
    ctrlr = _controllers.get(handle)
    if ctrlr is not None:
        ctrlr.removed = True


_REMOVED = REMOVE_CB(_on_removed)


# The controller callbacks: cb_arg is the controller's handle, looked up in _controllers (a
# controller that is gone has no callbacks left to run).
def _on_aer(handle: Optional[int], cpl: Any) -> None:
    ctrlr = _controllers.get(handle or 0)
    if ctrlr is not None and ctrlr._aer_fn is not None:
        _callbacks.guard(ctrlr._aer_fn, AsyncEvent(Completion(cpl.contents)))


def _on_ns_change(handle: Optional[int], _ctrlr: Any) -> None:
    ctrlr = _controllers.get(handle or 0)
    if ctrlr is not None:
        ctrlr.ns_changes += 1
        if ctrlr._ns_change_fn is not None:
            _callbacks.guard(ctrlr._ns_change_fn, ctrlr)


def _on_timeout(handle: Optional[int], _ctrlr: Any, qpair: Optional[int], cid: int) -> None:
    ctrlr = _controllers.get(handle or 0)
    if ctrlr is not None and ctrlr._timeout_fn is not None:
        qp = ctrlr._qpair_objs.get(qpair) if qpair else None
        _callbacks.guard(ctrlr._timeout_fn, qp, cid)


_AER = CMD_CB(_on_aer)
_NS_CHANGE = NS_CHANGE_CB(_on_ns_change)
_TIMEOUT = TIMEOUT_CB(_on_timeout)


def _detach(handle: int, qpairs: List[weakref.finalize]) -> None:
    for fin in reversed(qpairs):
        fin()
    qpairs.clear()
    lib().spdkrt_nvme_detach(handle)


class _Processing:
    """Marks the calling OS thread as inside a process call: a synchronous command from a
    callback would have to wait for itself."""

    def __enter__(self) -> None:
        _local.depth = getattr(_local, "depth", 0) + 1

    def __exit__(self, *exc: Any) -> None:
        _local.depth -= 1


def _check_not_in_callback(what: str) -> None:
    if getattr(_local, "depth", 0) > 0 or _polling():
        raise RuntimeError("%s waits for its completion: call it from your script, not from a "
                           "callback (use the asynchronous form there)" % what)


def _submit(name: str, callback: CommandCallback, keep: Any, *args: Any) -> None:
    """Call a command function whose last two arguments are cb and cb_arg."""
    key = _callbacks.register(callback, keep)
    rc = getattr(lib(), name)(*args, _CMD_DONE, key)
    if rc < 0:
        _callbacks.unregister(key)
        check(rc, name)


class Controller:
    """An attached NVMe controller (struct spdkrt_nvme_ctrlr *). Detached by detach(), a with
    statement, the garbage collector or env_fini(); its queue pairs are freed first."""

    def __init__(self, handle: int):
        self.handle: Optional[int] = handle
        self.removed = False
        # The options the controller was attached with, as negotiated (probe() fills them in).
        self.opts: Optional[CtrlrOpts] = None
        # Namespace rescans finished (the synchronous namespace commands wait for theirs).
        self.ns_changes = 0
        self._aer_fn: Optional[Callable[[AsyncEvent], None]] = None
        self._ns_change_fn: Optional[Callable[["Controller"], None]] = None
        self._timeout_fn: Optional[Callable[[Optional["QPair"], int], None]] = None
        self._qpairs: List[weakref.finalize] = []
        self._qpair_objs: "weakref.WeakValueDictionary[int, QPair]" = \
            weakref.WeakValueDictionary()
        self._fin = weakref.finalize(self, _detach, handle, self._qpairs)
        _controllers[handle] = self
        lib().spdkrt_nvme_ctrlr_register_ns_change_callback(handle, _NS_CHANGE, handle)

    def _h(self) -> int:
        if self.handle is None:
            raise ValueError("the controller was detached")
        return self.handle

    def __repr__(self) -> str:
        if self.handle is None:
            return "<Controller (detached)>"
        return "<Controller %s: %s>" % (self.trid, self.data["mn"])

    @property
    def data(self) -> Dict[str, Any]:
        """Identify Controller data as a dict (sn, mn, fr, mdts, cntlid, ver, oacs, nn, oncs,
        sgls, subnqn, ...), as cached at attach."""
        return structure_dict(self.data_struct)

    @property
    def data_struct(self) -> CtrlrData:
        """A copy of the cached Identify Controller data (its first 1024 bytes)."""
        return CtrlrData.from_buffer_copy(lib().spdkrt_nvme_ctrlr_get_data(self._h()).contents)

    @property
    def trid(self) -> TransportId:
        return TransportId.from_c(lib().spdkrt_nvme_ctrlr_get_transport_id(self._h()).contents)

    cap = property(lambda self: int(lib().spdkrt_nvme_ctrlr_get_regs_cap(self._h())))
    vs = property(lambda self: int(lib().spdkrt_nvme_ctrlr_get_regs_vs(self._h())))
    csts = property(lambda self: int(lib().spdkrt_nvme_ctrlr_get_regs_csts(self._h())))
    max_xfer_size = property(
        lambda self: int(lib().spdkrt_nvme_ctrlr_get_max_xfer_size(self._h())))
    num_ns = property(lambda self: int(lib().spdkrt_nvme_ctrlr_get_num_ns(self._h())),
                      doc="Identify NN: the largest namespace id")
    is_failed = property(lambda self: bool(lib().spdkrt_nvme_ctrlr_is_failed(self._h())))

    def active_nsids(self) -> List[int]:
        h = self._h()
        ids = []
        nsid = lib().spdkrt_nvme_ctrlr_get_first_active_ns(h)
        while nsid:
            ids.append(nsid)
            nsid = lib().spdkrt_nvme_ctrlr_get_next_active_ns(h, nsid)
        return ids

    def namespaces(self) -> List["Namespace"]:
        """The active namespaces, by id."""
        return [Namespace(self, nsid) for nsid in self.active_nsids()]

    def ns(self, nsid: int) -> "Namespace":
        """Active namespace nsid; SpdkrtError (ENODEV) when it is not active."""
        ns = Namespace(self, nsid)
        ns.handle()
        return ns

    def alloc_io_qpair(self, qprio: int = 0, io_queue_size: int = 0,
                       io_queue_requests: int = 0) -> "QPair":
        """spdkrt_nvme_ctrlr_alloc_io_qpair(): a new I/O queue pair (0: the controller's
        sizes)."""
        opts = IoQpairOpts()
        check(lib().spdkrt_nvme_io_qpair_opts_init(byref(opts), ctypes.sizeof(opts)),
              "spdkrt_nvme_io_qpair_opts_init")
        set_fields(opts, "io_qpair_opts", {"qprio": qprio, "io_queue_size": io_queue_size,
                                           "io_queue_requests": io_queue_requests})
        handle = c_void_p()
        check(lib().spdkrt_nvme_ctrlr_alloc_io_qpair(self._h(), byref(opts), byref(handle)),
              "spdkrt_nvme_ctrlr_alloc_io_qpair")
        return QPair(self, handle.value)

    def process_admin_completions(self) -> int:
        """Admin completions, asynchronous events, keep alive, timeouts; returns the number of
        completions. An exception raised by a callback it ran is raised here."""
        with _Processing():
            rc = lib().spdkrt_nvme_ctrlr_process_admin_completions(self._h())
        _callbacks.raise_pending()
        return check(rc, "spdkrt_nvme_ctrlr_process_admin_completions")

    def reset(self) -> None:
        """Reset and re-initialise; queue pairs are re-created with the same ids."""
        check(lib().spdkrt_nvme_ctrlr_reset(self._h()), "spdkrt_nvme_ctrlr_reset")

    # ---- admin commands ----

    def admin_raw(self, cmd: Cmd, buf: Optional[DmaBuffer], length: int,
                  callback: CommandCallback) -> None:
        """Send an admin command as given (spdkrt_nvme_ctrlr_cmd_admin_raw); the driver sets
        cid and the data pointer from length bytes of buf."""
        if not isinstance(cmd, Cmd):
            raise TypeError("cmd must be a spdkrt.nvme.Cmd, not %s" % type(cmd).__name__)
        addr = dma_addr(buf, u64("length", length)) if buf is not None else None
        if buf is None and length:
            raise ValueError("length %d without a buffer" % length)
        _submit("spdkrt_nvme_ctrlr_cmd_admin_raw", callback, (cmd, buf), self._h(), byref(cmd),
                addr, length)

    def wait(self, done: Callable[[], Any], qpair: Optional["QPair"] = None,
             what: str = "command", timeout: float = 30.0) -> None:
        """Process admin completions (and qpair's), and poll the current spdkrt thread when
        there is one (its pollers may run the device, timers, ...), until done() is true."""
        _check_not_in_callback(what)
        t = Thread.current()
        deadline = time.monotonic() + timeout
        while not done():
            if t is not None:
                t.poll()
            if qpair is not None:
                qpair.process_completions()
            self.process_admin_completions()
            if time.monotonic() > deadline:
                raise TimeoutError("%s: no completion in %.1f s" % (what, timeout))

    def _run(self, what: str, submit: Callable[[CommandCallback], None],
             qpair: Optional["QPair"] = None, raise_error: bool = True) -> Completion:
        _check_not_in_callback(what)
        done: List[Completion] = []
        submit(done.append)
        self.wait(lambda: done, qpair, what)
        if raise_error and done[0].is_error:
            raise NvmeCommandError(what, done[0])
        return done[0]

    def admin(self, opc: int, nsid: int = 0, cdw10: int = 0, cdw11: int = 0, cdw12: int = 0,
              cdw13: int = 0, cdw14: int = 0, cdw15: int = 0, data: Optional[bytes] = None,
              read_length: int = 0, raise_error: bool = True) -> "CommandResult":
        """Admin passthrough, synchronous: data (bytes) is sent, or read_length bytes are
        received. Returns .completion and .data (the buffer's bytes after completion)."""
        cmd = make_cmd(opc, nsid, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15)
        return _passthrough("admin opcode %#x" % opc, data, read_length,
                            lambda buf, n, cb: self.admin_raw(cmd, buf, n, cb),
                            lambda s: self._run("admin opcode %#x" % opc, s,
                                                raise_error=raise_error))

    def identify(self, cns: int = CNS_CTRLR, nsid: int = 0, cntid: int = 0) -> bytes:
        """Identify (sent now, not the cached data): the 4096-byte page."""
        page = ctypes.create_string_buffer(4096)
        self._run("identify cns %d" % cns, lambda cb: _submit(
            "spdkrt_nvme_ctrlr_cmd_identify", cb, page, self._h(), cns, cntid, nsid, page,
            len(page)))
        return page.raw

    def get_log_page(self, lid: int, size: int, nsid: int = NSID_ALL, offset: int = 0) -> bytes:
        """Get Log Page lid: size bytes (a multiple of 4) from byte offset."""
        page = ctypes.create_string_buffer(u64("size", size) or 1)
        self._run("get log page %#x" % lid, lambda cb: _submit(
            "spdkrt_nvme_ctrlr_cmd_get_log_page", cb, page, self._h(), lid, nsid, page, size,
            u64("offset", offset), 0, False))
        return page.raw[:size]

    def get_feature(self, fid: int, cdw11: int = 0, sel: int = 0, nsid: int = 0) -> int:
        """Get Features fid: its value (the completion's cdw0)."""
        return self._run("get feature %#x" % fid, lambda cb: _submit(
            "spdkrt_nvme_ctrlr_cmd_get_feature", cb, None, self._h(), fid, sel, cdw11, nsid,
            None, 0)).cdw0

    def set_feature(self, fid: int, cdw11: int, cdw12: int = 0, nsid: int = 0,
                    data: Optional[bytes] = None) -> int:
        """Set Features fid (with data, bytes, for the features that take a buffer): the
        completion's cdw0."""
        if data is not None and not isinstance(data, (bytes, bytearray)):
            raise TypeError("data must be bytes, not %s" % type(data).__name__)
        payload = bytes(data) if data else None
        return self._run("set feature %#x" % fid, lambda cb: _submit(
            "spdkrt_nvme_ctrlr_cmd_set_feature", cb, payload, self._h(), fid, cdw11, cdw12,
            nsid, payload, len(payload) if payload else 0)).cdw0

    def set_host_identifier(self, hostid: Union[bytes, str, uuid.UUID]) -> None:
        """Set Features Host Identifier: 8 bytes (64-bit), or 16 bytes / a UUID (128-bit,
        EXHID: what the extended reservation report shows)."""
        if isinstance(hostid, (bytes, bytearray)) and len(hostid) == 8:
            self.set_feature(FEAT_HOST_IDENTIFIER, 0, data=bytes(hostid))
        else:
            self.set_feature(FEAT_HOST_IDENTIFIER, 1, data=_hostid_bytes(hostid))

    # ---- asynchronous events, namespace changes, timeouts ----

    def register_aer_callback(self, fn: Optional[Callable[[AsyncEvent], None]]) -> None:
        """fn(AsyncEvent) for every asynchronous event, run from process_admin_completions()
        (None: no more). The driver re-posts the request itself, and after a
        namespace-attribute-changed notice it rescans the namespaces (then the
        register_ns_change_callback function runs)."""
        h = self._h()
        self._aer_fn = fn
        lib().spdkrt_nvme_ctrlr_register_aer_callback(h, _AER, h)

    def register_ns_change_callback(self, fn: Optional[Callable[["Controller"], None]]
                                    ) -> None:
        """fn(controller) after each rescan of the active namespaces (an event, or a namespace
        command of this controller), run from process_admin_completions() (None: no more)."""
        self._h()
        self._ns_change_fn = fn

    def register_timeout_callback(self, fn: Optional[Callable[[Optional["QPair"], int], None]],
                                  io_timeout_us: int = 0, admin_timeout_us: int = 0) -> None:
        """fn(qpair, cid) once for each command that has not completed within its timeout (in
        microseconds, 0: none); qpair is None for an admin command. It runs from the process
        calls, so it may abort_cmd() the command, not wait for anything. None: no more."""
        h = self._h()
        self._timeout_fn = fn
        if fn is None:
            io_timeout_us = admin_timeout_us = 0
        lib().spdkrt_nvme_ctrlr_register_timeout_callback(
            h, u64("io_timeout_us", io_timeout_us), u64("admin_timeout_us", admin_timeout_us),
            _TIMEOUT, h)

    def abort_cmd(self, qpair: Optional["QPair"], cid: int, callback: CommandCallback) -> None:
        """Abort command cid of qpair (None: of the admin queue). The aborted command completes
        with ABORTED BY REQUEST; callback gets the Abort's own completion."""
        _submit("spdkrt_nvme_ctrlr_cmd_abort", callback, None, self._h(),
                qpair._h() if qpair is not None else None, _bounded("cid", cid, 0xFFFF))

    def abort(self, qpair: Optional["QPair"], cid: int) -> Completion:
        """abort_cmd(), synchronous (processes qpair too): the Abort's completion."""
        return self._run("abort of cid %d" % cid, lambda cb: self.abort_cmd(qpair, cid, cb),
                         qpair)

    # ---- namespace management, format, firmware ----

    def _run_changing(self, what: str, submit: Callable[[CommandCallback], None],
                      settled: Optional[Callable[[], bool]] = None) -> Completion:
        """_run() a command after which the driver rescans the namespaces, then wait for a
        rescan that finished after it completed (and for settled(), when given)."""
        at_completion: List[int] = []

        def noting(cb: CommandCallback) -> None:
            def done(cpl: Completion) -> None:
                at_completion.append(self.ns_changes)
                cb(cpl)
            submit(done)

        cpl = self._run(what, noting)
        self.wait(lambda: self.ns_changes > at_completion[0] and
                  (settled is None or settled()), what=what + ": namespace rescan")
        return cpl

    def create_ns(self, nsze: int, ncap: Optional[int] = None, lbaf: int = 0,
                  extended: bool = False, pi_type: int = 0, pi_first: bool = False,
                  nmic: int = 0) -> int:
        """Namespace Management create: nsze blocks (ncap of them allocated, default all) of
        LBA format lbaf, metadata extended (interleaved) or separate, protection information
        type pi_type (0 none) in the first or last metadata bytes, multi-path capabilities
        nmic. Returns the new namespace id; it is not attached yet (attach_ns())."""
        page = ctypes.create_string_buffer(NS_DATA_SIZE)  # the whole struct spdkrt_nvme_ns_data
        nd = NsData.from_buffer(page)
        nd.nsze = u64("nsze", nsze)
        nd.ncap = u64("ncap", nsze if ncap is None else ncap)
        nd.flbas = _bounded("lbaf", lbaf, 15) | (0x10 if extended else 0)
        nd.dps = _bounded("pi_type", pi_type, 3) | (0x8 if pi_first else 0)
        nd.nmic = _u8("nmic", nmic)
        return self._run("create namespace", lambda cb: _submit(
            "spdkrt_nvme_ctrlr_create_ns", cb, page, self._h(), page)).cdw0

    def delete_ns(self, nsid: int) -> None:
        """Namespace Management delete of nsid (NSID_ALL: every one); waits for the rescan."""
        self._run_changing("delete namespace %d" % nsid, lambda cb: _submit(
            "spdkrt_nvme_ctrlr_delete_ns", cb, None, self._h(), _u32("nsid", nsid)))

    def _ctrlr_list(self, ctrlr_ids: Optional[Sequence[int]]) -> CtrlrList:
        ids = [self.data["cntlid"]] if ctrlr_ids is None else list(ctrlr_ids)
        if not 1 <= len(ids) <= 2047:
            raise ValueError("1..2047 controller ids, not %d" % len(ids))
        lst = CtrlrList()
        lst.ctrlr_count = len(ids)
        for i, cntlid in enumerate(ids):
            lst.ctrlr_list[i] = _bounded("controller id", cntlid, 0xFFFF)
        return lst

    def _attachment(self, attach: bool, nsid: int, ctrlr_ids: Optional[Sequence[int]]) -> None:
        lst = self._ctrlr_list(ctrlr_ids)
        mine = ctrlr_ids is None or self.data["cntlid"] in ctrlr_ids
        verb = "attach" if attach else "detach"
        self._run_changing("%s namespace %d" % (verb, nsid), lambda cb: _submit(
            "spdkrt_nvme_ctrlr_%s_ns" % verb, cb, lst, self._h(), _u32("nsid", nsid), lst),
            lambda: not mine or (nsid in self.active_nsids()) == attach)

    def attach_ns(self, nsid: int, ctrlr_ids: Optional[Sequence[int]] = None) -> None:
        """Namespace Attachment of nsid to ctrlr_ids (default: this controller); returns once
        the driver's rescan shows it active."""
        self._attachment(True, nsid, ctrlr_ids)

    def detach_ns(self, nsid: int, ctrlr_ids: Optional[Sequence[int]] = None) -> None:
        """Namespace Attachment detach; as attach_ns(), returns once it is no longer
        active."""
        self._attachment(False, nsid, ctrlr_ids)

    def format(self, nsid: int, lbaf: int, ses: int = 0, pi: int = 0, pil: bool = False,
               extended: bool = False) -> None:
        """Format NVM of nsid (NSID_ALL: every one) to LBA format lbaf, secure erase setting
        ses (0 none, 1 user data, 2 cryptographic), protection information type pi in the
        first (pil) or last metadata bytes, metadata extended or separate. Returns once the
        driver re-read the namespace data."""
        cdw10 = (_bounded("lbaf", lbaf, 15) | (1 << 4 if extended else 0) |
                 _bounded("pi", pi, 7) << 5 | (1 << 8 if pil else 0) |
                 _bounded("ses", ses, 7) << 9)

        def formatted() -> bool:
            h = lib().spdkrt_nvme_ctrlr_get_ns(self._h(), nsid) if nsid != NSID_ALL else None
            return not h or lib().spdkrt_nvme_ns_get_data(h).contents.flbas & 0xF == lbaf

        self._run_changing("format namespace %d" % nsid, lambda cb: _submit(
            "spdkrt_nvme_ctrlr_format", cb, None, self._h(), _u32("nsid", nsid), cdw10),
            formatted)

    def fw_download(self, image: bytes, offset: int = 0) -> None:
        """Firmware Image Download of image at byte offset of the image (both multiples of 4),
        in pieces of at most max_xfer_size bytes; fw_commit() then puts it in a slot."""
        if not isinstance(image, (bytes, bytearray)):
            raise TypeError("image must be bytes, not %s" % type(image).__name__)
        if not image or len(image) % 4 or u64("offset", offset) % 4:
            raise ValueError("the image (%d bytes) and offset %d must be non-empty multiples "
                             "of 4" % (len(image), offset))
        step = max(self.max_xfer_size & ~3, 4)
        for pos in range(0, len(image), step):
            piece = bytes(image[pos:pos + step])
            at = _u32("offset", offset + pos)
            self._run("firmware download at %d" % at, lambda cb: _submit(
                "spdkrt_nvme_ctrlr_fw_image_download", cb, piece, self._h(), piece, len(piece),
                at))

    def fw_commit(self, slot: int, action: int) -> Completion:
        """Firmware Commit of the downloaded image to slot (1..7; 0: the controller chooses)
        with action (FW_COMMIT_*). A commit that needs a reset to activate completes with a
        status saying so: NvmeCommandError (.completion.sct 1, .sc 0x0B/0x10/0x11)."""
        return self._run("firmware commit to slot %d" % slot, lambda cb: _submit(
            "spdkrt_nvme_ctrlr_fw_commit", cb, None, self._h(), _bounded("slot", slot, 7),
            _bounded("action", action, 7)))

    def firmware_slots(self) -> Dict[str, Any]:
        """The Firmware Slot Information log page: active_slot, next_slot (activated at the
        next reset, 0: none) and revisions {slot: revision} of the slots 1..7 that hold one."""
        page = self.get_log_page(LOG_FIRMWARE_SLOT, 64, nsid=0)
        revisions = {}
        for slot in range(1, 8):
            rev = page[8 * slot:8 * slot + 8].decode("ascii", errors="replace").rstrip(" \0")
            if rev:
                revisions[slot] = rev
        return {"active_slot": page[0] & 0x7, "next_slot": (page[0] >> 4) & 0x7,
                "revisions": revisions}

    def detach(self) -> None:
        """Free the queue pairs still allocated, then detach (spdkrt_nvme_detach)."""
        if self.handle is not None:
            self.handle = None
            self._fin()

    close = detach

    def __enter__(self) -> "Controller":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.detach()


class CommandResult:
    """What a synchronous passthrough command gives: its completion and the data buffer."""

    def __init__(self, completion: Completion, data: bytes):
        self.completion = completion
        self.data = data


def make_cmd(opc: int, nsid: int = 0, cdw10: int = 0, cdw11: int = 0, cdw12: int = 0,
             cdw13: int = 0, cdw14: int = 0, cdw15: int = 0) -> Cmd:
    """A submission queue entry, each field checked to fit."""
    cmd = Cmd()
    set_fields(cmd, "cmd", {"opc": opc, "nsid": nsid, "cdw10": cdw10, "cdw11": cdw11,
                            "cdw12": cdw12, "cdw13": cdw13, "cdw14": cdw14, "cdw15": cdw15})
    return cmd


def _passthrough(what: str, data: Optional[bytes], read_length: int,
                 submit: Callable[[Optional[DmaBuffer], int, CommandCallback], None],
                 run: Callable[[Callable[[CommandCallback], None]], Completion]
                 ) -> CommandResult:
    if data is not None and not isinstance(data, (bytes, bytearray)):
        raise TypeError("%s: data must be bytes" % what)
    if data and read_length:
        raise ValueError("%s: data is sent or read_length received, not both" % what)
    length = len(data) if data else u64("read_length", read_length)
    if not length:
        return CommandResult(run(lambda cb: submit(None, 0, cb)), b"")
    with DmaBuffer(length, 4096) as buf:
        if data:
            buf.write(bytes(data))
        cpl = run(lambda cb: submit(buf, length, cb))
        return CommandResult(cpl, buf.read())


class QPair:
    """An I/O queue pair (struct spdkrt_nvme_qpair *), used by one thread at a time; freed by
    close(), a with statement, the garbage collector, or its controller's detach()."""

    def __init__(self, ctrlr: Controller, handle: int):
        self.ctrlr = ctrlr
        self.handle: Optional[int] = handle
        self.id = int(lib().spdkrt_nvme_qpair_get_id(handle))
        self._fin = weakref.finalize(self, lib().spdkrt_nvme_ctrlr_free_io_qpair, handle)
        ctrlr._qpairs[:] = [f for f in ctrlr._qpairs if f.alive]
        ctrlr._qpairs.append(self._fin)
        ctrlr._qpair_objs[handle] = self  # what a timeout callback names

    def _h(self) -> int:
        if self.handle is None or not self._fin.alive:
            raise ValueError("the queue pair was freed")
        return self.handle

    def process_completions(self, max_completions: int = 0) -> int:
        """Up to max_completions (0: all) completions; their callbacks run here, and an
        exception one raised is raised here."""
        with _Processing():
            rc = lib().spdkrt_nvme_qpair_process_completions(self._h(), max_completions)
        _callbacks.raise_pending()
        return check(rc, "spdkrt_nvme_qpair_process_completions")

    def io_raw(self, cmd: Cmd, buf: Optional[DmaBuffer], length: int,
               callback: CommandCallback, md: Optional[DmaBuffer] = None) -> None:
        """Send an I/O command as given (nsid included; spdkrt_nvme_ctrlr_cmd_io_raw)."""
        if not isinstance(cmd, Cmd):
            raise TypeError("cmd must be a spdkrt.nvme.Cmd, not %s" % type(cmd).__name__)
        if buf is None and length:
            raise ValueError("length %d without a buffer" % length)
        addr = dma_addr(buf, u64("length", length)) if buf is not None else None
        md_addr = dma_addr(md) if md is not None else None
        _submit("spdkrt_nvme_ctrlr_cmd_io_raw", callback, (cmd, buf, md), self.ctrlr._h(),
                self._h(), byref(cmd), addr, length, md_addr)

    def io(self, opc: int, nsid: int, cdw10: int = 0, cdw11: int = 0, cdw12: int = 0,
           cdw13: int = 0, cdw14: int = 0, cdw15: int = 0, data: Optional[bytes] = None,
           read_length: int = 0, raise_error: bool = True) -> CommandResult:
        """I/O passthrough, synchronous; as Controller.admin()."""
        cmd = make_cmd(opc, nsid, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15)
        what = "I/O opcode %#x" % opc
        return _passthrough(what, data, read_length,
                            lambda buf, n, cb: self.io_raw(cmd, buf, n, cb),
                            lambda s: self.ctrlr._run(what, s, self, raise_error))

    def close(self) -> None:
        if self.handle is not None:
            self.ctrlr._qpair_objs.pop(self.handle, None)
            self.handle = None
            self._fin()

    free = close

    def __enter__(self) -> "QPair":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Namespace:
    """An active namespace. It is looked up by id at each use, so a namespace the controller
    removed gives SpdkrtError (ENODEV), never a stale pointer."""

    def __init__(self, ctrlr: Controller, nsid: int):
        if not 1 <= u64("nsid", nsid) < NSID_ALL:
            raise ValueError("a namespace id is in 1..0xFFFFFFFE, not %d" % nsid)
        self.ctrlr = ctrlr
        self.id = nsid

    def __repr__(self) -> str:
        return "<Namespace %d: %d x %d bytes>" % (self.id, self.num_sectors, self.sector_size)

    def handle(self) -> int:
        h = lib().spdkrt_nvme_ctrlr_get_ns(self.ctrlr._h(), self.id)
        if not h:
            raise SpdkrtError(-errno.ENODEV, "namespace %d is not active" % self.id)
        return h

    @property
    def data(self) -> Dict[str, Any]:
        """Identify Namespace data as a dict (nsze, ncap, nuse, flbas, lbaf, nguid, ...)."""
        return structure_dict(NsData.from_buffer_copy(
            lib().spdkrt_nvme_ns_get_data(self.handle()).contents))

    sector_size = property(lambda self: int(lib().spdkrt_nvme_ns_get_sector_size(self.handle())))
    extended_sector_size = property(
        lambda self: int(lib().spdkrt_nvme_ns_get_extended_sector_size(self.handle())))
    md_size = property(lambda self: int(lib().spdkrt_nvme_ns_get_md_size(self.handle())))
    pi_type = property(lambda self: int(lib().spdkrt_nvme_ns_get_pi_type(self.handle())))
    num_sectors = property(lambda self: int(lib().spdkrt_nvme_ns_get_num_sectors(self.handle())))
    size = property(lambda self: int(lib().spdkrt_nvme_ns_get_size(self.handle())))
    max_io_sectors = property(
        lambda self: int(lib().spdkrt_nvme_ns_get_max_io_sectors(self.handle())))

    # ---- asynchronous: callback(Completion) runs from qpair.process_completions() ----

    @staticmethod
    def _count_flags(count: int, io_flags: int) -> None:
        if not 1 <= u64("lba_count", count) <= 0xFFFFFFFF:
            raise ValueError("lba_count must be in 1..2**32-1, not %d" % count)
        if u64("io_flags", io_flags) & ~IO_FLAGS_VALID_MASK:
            raise ValueError("io_flags %#x has bits outside SPDKRT_NVME_IO_FLAGS_*" % io_flags)

    def _submit_flags(self, name: str, callback: CommandCallback, keep: Any, *args: Any,
                      io_flags: int) -> None:
        """Call an I/O function whose arguments end with cb, cb_arg, io_flags."""
        key = _callbacks.register(callback, keep)
        rc = getattr(lib(), name)(*args, _CMD_DONE, key, io_flags)
        if rc < 0:
            _callbacks.unregister(key)
            check(rc, name)

    def _io(self, name: str, qpair: QPair, buf: DmaBuffer, lba: int, count: int,
            callback: CommandCallback, io_flags: int) -> None:
        self._count_flags(count, io_flags)
        addr = dma_addr(buf, count * self.extended_sector_size)
        self._submit_flags(name, callback, buf, self.handle(), qpair._h(), addr,
                           u64("lba", lba), count, io_flags=io_flags)

    def read_blocks(self, qpair: QPair, buf: DmaBuffer, lba: int, count: int,
                    callback: CommandCallback, io_flags: int = 0) -> None:
        self._io("spdkrt_nvme_ns_cmd_read", qpair, buf, lba, count, callback, io_flags)

    def write_blocks(self, qpair: QPair, buf: DmaBuffer, lba: int, count: int,
                     callback: CommandCallback, io_flags: int = 0) -> None:
        self._io("spdkrt_nvme_ns_cmd_write", qpair, buf, lba, count, callback, io_flags)

    def compare_blocks(self, qpair: QPair, buf: DmaBuffer, lba: int, count: int,
                       callback: CommandCallback, io_flags: int = 0) -> None:
        """A mismatch completes with COMPARE FAILURE."""
        self._io("spdkrt_nvme_ns_cmd_compare", qpair, buf, lba, count, callback, io_flags)

    def readv_blocks(self, qpair: QPair, iov: Sequence[IovecLike], lba: int, count: int,
                     callback: CommandCallback, io_flags: int = 0) -> None:
        self._iov("spdkrt_nvme_ns_cmd_readv_iov", qpair, iov, lba, count, callback, io_flags)

    def writev_blocks(self, qpair: QPair, iov: Sequence[IovecLike], lba: int, count: int,
                      callback: CommandCallback, io_flags: int = 0) -> None:
        self._iov("spdkrt_nvme_ns_cmd_writev_iov", qpair, iov, lba, count, callback, io_flags)

    def _iov(self, name: str, qpair: QPair, iov: Sequence[IovecLike], lba: int, count: int,
             callback: CommandCallback, io_flags: int) -> None:
        self._count_flags(count, io_flags)
        arr, keep = iovec_array(iov)
        self._submit_flags(name, callback, keep, self.handle(), qpair._h(), arr, len(iov),
                           u64("lba", lba), count, io_flags=io_flags)

    def write_zeroes_blocks(self, qpair: QPair, lba: int, count: int,
                            callback: CommandCallback, io_flags: int = 0) -> None:
        self._count_flags(count, io_flags)
        self._submit_flags("spdkrt_nvme_ns_cmd_write_zeroes", callback, None, self.handle(),
                           qpair._h(), u64("lba", lba), count, io_flags=io_flags)

    def deallocate_blocks(self, qpair: QPair, ranges: Sequence[Sequence[int]],
                          callback: CommandCallback) -> None:
        """Dataset Management deallocate (trim) of (lba, count) ranges (1..256)."""
        if not 1 <= len(ranges) <= 256:
            raise ValueError("1..256 ranges, not %d" % len(ranges))
        arr = (DsmRange * len(ranges))()
        for i, (lba, count) in enumerate(ranges):
            arr[i].starting_lba = u64("lba", lba)
            if not 1 <= u64("count", count) <= 0xFFFFFFFF:
                raise ValueError("range %d: count must be in 1..2**32-1" % i)
            arr[i].length = count
        _submit("spdkrt_nvme_ns_cmd_dataset_management", callback, arr, self.handle(),
                qpair._h(), DSM_DEALLOCATE, arr, len(ranges))

    def flush_blocks(self, qpair: QPair, callback: CommandCallback) -> None:
        _submit("spdkrt_nvme_ns_cmd_flush", callback, None, self.handle(), qpair._h())

    # ---- synchronous, for scripts: process qpair until the command completed ----

    def read(self, qpair: QPair, lba: int, count: int) -> bytes:
        """Read count blocks at lba: count x extended_sector_size bytes."""
        with DmaBuffer(u64("count", count) * self.extended_sector_size or 1, 4096) as buf:
            self.ctrlr._run("read", lambda cb: self.read_blocks(qpair, buf, lba, count, cb),
                            qpair)
            return buf.read(count * self.extended_sector_size)

    def write(self, qpair: QPair, lba: int, data: bytes) -> None:
        """Write data, a whole number of blocks, at lba."""
        bs = self.extended_sector_size
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("data must be bytes, not %s" % type(data).__name__)
        if not data or len(data) % bs:
            raise ValueError("%d bytes are not a whole number of %d-byte blocks"
                             % (len(data), bs))
        with DmaBuffer(len(data), 4096) as buf:
            buf.write(bytes(data))
            self.ctrlr._run("write", lambda cb: self.write_blocks(
                qpair, buf, lba, len(data) // bs, cb), qpair)

    def write_zeroes(self, qpair: QPair, lba: int, count: int) -> None:
        self.ctrlr._run("write zeroes", lambda cb: self.write_zeroes_blocks(
            qpair, lba, count, cb), qpair)

    def deallocate(self, qpair: QPair, ranges: Sequence[Sequence[int]]) -> None:
        self.ctrlr._run("deallocate", lambda cb: self.deallocate_blocks(qpair, ranges, cb),
                        qpair)

    def flush(self, qpair: QPair) -> None:
        self.ctrlr._run("flush", lambda cb: self.flush_blocks(qpair, cb), qpair)

    # ---- reservations: asynchronous (*_cmd) and synchronous forms ----

    def _reservation(self, verb: str, qpair: QPair, callback: CommandCallback, data: Any,
                     ignore_key: bool, action: int, last: int) -> None:
        """spdkrt_nvme_ns_cmd_reservation_<verb>(): their arguments differ only in data and
        the last one (cptpl or rtype)."""
        _submit("spdkrt_nvme_ns_cmd_reservation_" + verb, callback, data, self.handle(),
                qpair._h(), byref(data), bool(ignore_key), _u8("action", action), last)

    def reservation_register_cmd(self, qpair: QPair, nrkey: int, callback: CommandCallback,
                                 crkey: int = 0, action: int = RESERVE_REGISTER_KEY,
                                 ignore_key: bool = False,
                                 cptpl: int = RESERVE_PTPL_NO_CHANGES) -> None:
        """Reservation Register: action (RESERVE_REGISTER_KEY nrkey, _UNREGISTER_KEY crkey,
        _REPLACE_KEY crkey by nrkey), ignore_key (IEKEY), cptpl (RESERVE_PTPL_*)."""
        self._reservation("register", qpair, callback,
                          ReservationRegisterData(u64("crkey", crkey), u64("nrkey", nrkey)),
                          ignore_key, action, _u8("cptpl", cptpl))

    def reservation_acquire_cmd(self, qpair: QPair, crkey: int, rtype: int,
                                callback: CommandCallback, action: int = RESERVE_ACQUIRE,
                                prkey: int = 0, ignore_key: bool = False) -> None:
        """Reservation Acquire of rtype (RESERVE_WRITE_EXCLUSIVE, ...) with this host's key
        crkey: action RESERVE_ACQUIRE, _PREEMPT or _PREEMPT_ABORT (the registrants of prkey
        lose their registration)."""
        self._reservation("acquire", qpair, callback,
                          ReservationAcquireData(u64("crkey", crkey), u64("prkey", prkey)),
                          ignore_key, action, _u8("rtype", rtype))

    def reservation_release_cmd(self, qpair: QPair, crkey: int, rtype: int,
                                callback: CommandCallback, action: int = RESERVE_RELEASE,
                                ignore_key: bool = False) -> None:
        """Reservation Release (RESERVE_RELEASE the reservation of rtype this host holds) or
        RESERVE_CLEAR (every registration and the reservation go)."""
        self._reservation("release", qpair, callback, ReservationKeyData(u64("crkey", crkey)),
                          ignore_key, action, _u8("rtype", rtype))

    def reservation_report_cmd(self, qpair: QPair, buf: Any, size: int, extended: bool,
                               callback: CommandCallback) -> None:
        """Reservation Report into buf (a ctypes buffer of at least size bytes, a multiple of
        4), in the extended data structure (128-bit host ids) when extended; decode it with
        decode_reservation_report()."""
        if not isinstance(buf, ctypes.Array) or ctypes.sizeof(buf) < u64("size", size):
            raise TypeError("buf must be a ctypes buffer of at least size bytes")
        _submit("spdkrt_nvme_ns_cmd_reservation_report_ext", callback, buf, self.handle(),
                qpair._h(), buf, _u32("size", size), bool(extended))

    def reservation_register(self, qpair: QPair, nrkey: int, crkey: int = 0,
                             action: int = RESERVE_REGISTER_KEY, ignore_key: bool = False,
                             cptpl: int = RESERVE_PTPL_NO_CHANGES) -> None:
        """reservation_register_cmd(), synchronous; a conflict raises NvmeCommandError
        (.completion.sc 0x83, RESERVATION CONFLICT)."""
        self.ctrlr._run("reservation register", lambda cb: self.reservation_register_cmd(
            qpair, nrkey, cb, crkey, action, ignore_key, cptpl), qpair)

    def reservation_acquire(self, qpair: QPair, crkey: int, rtype: int,
                            action: int = RESERVE_ACQUIRE, prkey: int = 0,
                            ignore_key: bool = False) -> None:
        """reservation_acquire_cmd(), synchronous."""
        self.ctrlr._run("reservation acquire", lambda cb: self.reservation_acquire_cmd(
            qpair, crkey, rtype, cb, action, prkey, ignore_key), qpair)

    def reservation_release(self, qpair: QPair, crkey: int, rtype: int,
                            action: int = RESERVE_RELEASE, ignore_key: bool = False) -> None:
        """reservation_release_cmd(), synchronous."""
        self.ctrlr._run("reservation release", lambda cb: self.reservation_release_cmd(
            qpair, crkey, rtype, cb, action, ignore_key), qpair)

    def reservation_report(self, qpair: QPair, extended: bool = False) -> Dict[str, Any]:
        """Reservation Report, decoded (decode_reservation_report()): every registrant, asked
        again with a larger buffer when the first did not hold them all."""
        size = 4096
        while True:
            buf = ctypes.create_string_buffer(size)
            self.ctrlr._run("reservation report", lambda cb: self.reservation_report_cmd(
                qpair, buf, size, extended, cb), qpair)
            report = decode_reservation_report(buf.raw, extended)
            need = _report_size(report["regctl"], extended)
            if need <= size:
                return report
            size = need


def _report_size(registrants: int, extended: bool) -> int:
    if extended:
        return RESV_REPORT_EXT_HEADER_LEN + registrants * ctypes.sizeof(
            RegisteredCtrlrExtendedData)
    return ctypes.sizeof(ReservationStatusData) + registrants * ctypes.sizeof(
        RegisteredCtrlrData)


def decode_reservation_report(data: bytes, extended: bool = False) -> Dict[str, Any]:
    """A Reservation Report as a dict: generation, rtype (0: no reservation), ptpls, regctl
    (registrants the controller counts), registrants (those data holds: cntlid, hostid (an int,
    or 16 bytes when extended), rkey, holds) and holder (the first registrant that holds the
    reservation, None when none does)."""
    header = ctypes.sizeof(ReservationStatusData)
    if len(data) < header:
        raise ValueError("a reservation report has at least %d bytes, not %d"
                         % (header, len(data)))
    st = ReservationStatusData.from_buffer_copy(data[:header])
    regctl = st.regctl[0] | st.regctl[1] << 8
    entry_type = RegisteredCtrlrExtendedData if extended else RegisteredCtrlrData
    first = RESV_REPORT_EXT_HEADER_LEN if extended else header
    entry = ctypes.sizeof(entry_type)
    registrants: List[Dict[str, Any]] = []
    for i in range(min(regctl, max(len(data) - first, 0) // entry)):
        e = entry_type.from_buffer_copy(data, first + i * entry)
        registrants.append({"cntlid": e.cntlid, "rkey": e.rkey, "holds": bool(e.rcsts & 1),
                            "hostid": bytes(e.hostid) if extended else e.hostid})
    holder = next((r for r in registrants if r["holds"]), None)
    return {"generation": st.gen, "rtype": st.rtype, "ptpls": st.ptpls, "regctl": regctl,
            "registrants": registrants, "holder": holder}


def _detach_all() -> None:
    for c in list(_controllers.values()):
        c.detach()


env._before_fini.insert(0, _detach_all)
