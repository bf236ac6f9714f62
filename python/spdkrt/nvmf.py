# SPDX-License-Identifier: BSD-3-Clause
"""The NVMe-oF target: export bdevs to NVMe/TCP hosts as namespaces of subsystems.

    with spdkrt.Thread("tgt") as t, spdkrt.nvmf.Target() as tgt:
        spdkrt.Bdev.create("malloc:name=Malloc0,size_mb=64")
        tgt.add_poll_group()
        traddr, port = tgt.listen("127.0.0.1", "4420")
        ss = tgt.create_subsystem("nqn.2016-06.io.spdk:cnode1", allow_any_host=True)
        ss.add_ns("Malloc0")
        while serving:
            t.poll()            # connections, commands, keep alive all run from here

A target belongs to the spdkrt thread that created it (its management thread): every method is
called there (RuntimeError otherwise), except add_poll_group(), which each thread that is to
carry connections calls. Subsystems are looked up by NQN at each use, so one that was destroyed
gives SpdkrtError (ENOENT), never a stale pointer.
"""
import ctypes
import errno
import time
import weakref
from ctypes import byref, c_uint32, c_void_p
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _callbacks
from ._lib import b, lib, set_fields
from ._nvme_c import NVMF_DONE_CB, HostOpts, ListenOpts, NvmfNsOpts, NvmfStats, TgtOpts
from .errors import SpdkrtError, check
from .thread import Thread, _polling, run_on

_DONE = NVMF_DONE_CB(lambda key, status: _callbacks.fire(key, status))


def tgt_opts(**kwargs: Any) -> TgtOpts:
    """struct spdkrt_nvmf_tgt_opts: the defaults, then kwargs (max_queue_depth,
    max_io_queues, in_capsule_data_size, max_io_size, c2h_success, ...), each checked."""
    opts = TgtOpts()
    check(lib().spdkrt_nvmf_tgt_opts_init(byref(opts), ctypes.sizeof(opts)),
          "spdkrt_nvmf_tgt_opts_init")
    set_fields(opts, "tgt_opts", kwargs)
    return opts


def _listeners(getter: str, handle: int) -> List[Tuple[str, str]]:
    """(traddr, trsvcid) of listener 0, 1, ... as getter (the target's or a subsystem's)
    describes them, until it says -ENOENT."""
    out: List[Tuple[str, str]] = []
    addr, port = ctypes.create_string_buffer(64), ctypes.create_string_buffer(32)
    while True:
        rc = getattr(lib(), getter)(handle, len(out), addr, len(addr), port, len(port))
        if rc == -errno.ENOENT:
            return out
        check(rc, getter)
        out.append((addr.value.decode(), port.value.decode()))


def _destroy(handle: int, thread_handle: int, timeout: float = 10.0) -> None:
    """Destroy a target on its thread; polls that thread until done unless called from inside
    a poll (then the destruction finishes in later polls)."""
    done: List[int] = []
    key = _callbacks.register(done.append)
    if lib().spdkrt_nvmf_tgt_destroy(handle, _DONE, key) < 0:
        _callbacks.unregister(key)
        return
    if _polling():
        return
    deadline = time.monotonic() + timeout
    while not done and time.monotonic() < deadline:
        lib().spdkrt_thread_poll(thread_handle, 0, 0)


class Target:
    """An NVMe-oF target (struct spdkrt_nvmf_tgt *) on the current spdkrt thread. Destroyed by
    destroy(), a with statement, its thread's close() or the garbage collector."""

    def __init__(self, **opts: Any):
        thread = Thread.current()
        if thread is None:
            raise RuntimeError("a Target is made on a current spdkrt thread made by Python "
                               "(with spdkrt.Thread(...) as t:)")
        o = tgt_opts(**opts)
        handle = c_void_p()
        check(lib().spdkrt_nvmf_tgt_create(byref(o), byref(handle)), "spdkrt_nvmf_tgt_create")
        self.handle: Optional[int] = handle.value
        self.thread = thread
        self.thread_handle = thread.handle
        self._fin = weakref.finalize(self, run_on, thread.handle,
                                     lambda h=handle.value, t=thread.handle: _destroy(h, t))
        thread.own(self._fin)

    def _h(self, what: str = "") -> int:
        if self.handle is None:
            raise ValueError("the target was destroyed")
        if lib().spdkrt_get_thread() != self.thread_handle:
            raise RuntimeError("%s: a target is used on its management thread %s"
                               % (what or "nvmf", self.thread.name))
        return self.handle

    def add_poll_group(self) -> None:
        """Let the calling spdkrt thread carry connections (once per thread)."""
        if self.handle is None:
            raise ValueError("the target was destroyed")
        check(lib().spdkrt_nvmf_tgt_add_poll_group(self.handle), "spdkrt_nvmf_tgt_add_poll_group")

    def listen(self, traddr: str = "127.0.0.1", trsvcid: str = "4420",
               trtype: str = "tcp", secure_channel: bool = False) -> Tuple[str, str]:
        """Listen; trsvcid "0" takes any free port. secure_channel: every connection must be
        TLS 1.3 with its host's PSK (Subsystem.add_host(psk=...)). Returns (traddr, trsvcid)
        as bound."""
        h = self._h("listen")
        opts = ListenOpts()
        check(lib().spdkrt_nvmf_listen_opts_init(byref(opts), ctypes.sizeof(opts)),
              "spdkrt_nvmf_listen_opts_init")
        set_fields(opts, "listen_opts", {"secure_channel": secure_channel})
        check(lib().spdkrt_nvmf_tgt_listen_ext(h, b(trtype), b(traddr), b(str(trsvcid)),
                                               byref(opts)),
              "spdkrt_nvmf_tgt_listen(%s %s:%s)" % (trtype, traddr, trsvcid))
        return self.listeners()[-1]

    def stop_listen(self, traddr: str, trsvcid: str, trtype: str = "tcp") -> None:
        check(lib().spdkrt_nvmf_tgt_stop_listen(self._h("stop_listen"), b(trtype), b(traddr),
                                                b(str(trsvcid))),
              "spdkrt_nvmf_tgt_stop_listen(%s:%s)" % (traddr, trsvcid))

    def listeners(self) -> List[Tuple[str, str]]:
        """(traddr, trsvcid) of each listener, in creation order."""
        return _listeners("spdkrt_nvmf_tgt_get_listener", self._h("listeners"))

    def create_subsystem(self, nqn: str, serial_number: Optional[str] = None,
                         model_number: Optional[str] = None,
                         allow_any_host: bool = False) -> "Subsystem":
        handle = c_void_p()
        check(lib().spdkrt_nvmf_subsystem_create(self._h("create_subsystem"), b(nqn),
                                                 byref(handle)),
              "spdkrt_nvmf_subsystem_create(%s)" % nqn)
        ss = Subsystem(self, nqn)
        try:
            if serial_number is not None:
                ss.serial_number = serial_number
            if model_number is not None:
                ss.model_number = model_number
            ss.allow_any_host = allow_any_host
        except BaseException:
            ss.destroy()
            raise
        return ss

    def find_subsystem(self, nqn: str) -> Optional["Subsystem"]:
        if lib().spdkrt_nvmf_tgt_find_subsystem(self._h("find_subsystem"), b(nqn)):
            return Subsystem(self, nqn)
        return None

    def subsystems(self) -> List["Subsystem"]:
        h = self._h("subsystems")
        out = []
        ss = lib().spdkrt_nvmf_subsystem_next(h, None)
        while ss:
            out.append(Subsystem(self, lib().spdkrt_nvmf_subsystem_get_nqn(ss).decode()))
            ss = lib().spdkrt_nvmf_subsystem_next(h, ss)
        return out

    def stats(self) -> Dict[str, int]:
        """The target-wide counters (connections, controllers, commands, bytes, errors)."""
        s = NvmfStats()
        check(lib().spdkrt_nvmf_tgt_get_stats(self._h("stats"), byref(s), ctypes.sizeof(s)),
              "spdkrt_nvmf_tgt_get_stats")
        return s.as_dict()

    def poll_until(self, predicate: Callable[[], Any], timeout: float = 30.0) -> None:
        """Poll the management thread (which carries the connections of its poll group)
        until predicate() is true."""
        self._h("poll_until")
        self.thread.poll_until(predicate, timeout)

    def destroy(self) -> None:
        """Stop listening, disconnect every host, close the bdevs; polls the management thread
        until done (poll groups on other threads are released as those threads poll)."""
        if self.handle is not None:
            self._h("destroy")
            if _polling():
                raise RuntimeError("Target.destroy() polls the thread itself: not from a "
                                   "callback")
            self.handle = None
            self._fin()

    close = destroy

    def __enter__(self) -> "Target":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.destroy()


class Subsystem:
    """An NVM subsystem of a target, by NQN."""

    def __init__(self, tgt: Target, nqn: str):
        self.tgt = tgt
        self.nqn = nqn

    def __repr__(self) -> str:
        return "<Subsystem %s>" % self.nqn

    def _h(self, what: str = "") -> int:
        ss = lib().spdkrt_nvmf_tgt_find_subsystem(self.tgt._h(what), b(self.nqn))
        if not ss:
            raise SpdkrtError(-errno.ENOENT, "subsystem %s does not exist" % self.nqn)
        return ss

    @property
    def serial_number(self) -> str:
        return lib().spdkrt_nvmf_subsystem_get_serial_number(self._h()).decode()

    @serial_number.setter
    def serial_number(self, sn: str) -> None:
        check(lib().spdkrt_nvmf_subsystem_set_serial_number(self._h(), b(sn)),
              "spdkrt_nvmf_subsystem_set_serial_number(%r)" % sn)

    @property
    def model_number(self) -> str:
        return lib().spdkrt_nvmf_subsystem_get_model_number(self._h()).decode()

    @model_number.setter
    def model_number(self, mn: str) -> None:
        check(lib().spdkrt_nvmf_subsystem_set_model_number(self._h(), b(mn)),
              "spdkrt_nvmf_subsystem_set_model_number(%r)" % mn)

    @property
    def allow_any_host(self) -> bool:
        return bool(lib().spdkrt_nvmf_subsystem_get_allow_any_host(self._h()))

    @allow_any_host.setter
    def allow_any_host(self, allow: bool) -> None:
        if not isinstance(allow, bool):
            raise TypeError("allow_any_host must be a bool")
        check(lib().spdkrt_nvmf_subsystem_set_allow_any_host(self._h(), allow),
              "spdkrt_nvmf_subsystem_set_allow_any_host")

    def add_host(self, hostnqn: str, psk: Optional[str] = None) -> None:
        """Allow hostnqn; with psk (NVMe TLS PSK interchange format, "NVMeTLSkey-1:01:...:")
        the host connects only over TLS through a secure-channel listener."""
        opts = HostOpts()
        check(lib().spdkrt_nvmf_host_opts_init(byref(opts), ctypes.sizeof(opts)),
              "spdkrt_nvmf_host_opts_init")
        opts.psk = b(psk)
        check(lib().spdkrt_nvmf_subsystem_add_host_ext(self._h(), b(hostnqn), byref(opts)),
              "spdkrt_nvmf_subsystem_add_host(%s)" % hostnqn)

    def remove_host(self, hostnqn: str) -> None:
        """Disallow hostnqn; its controllers on this subsystem are disconnected."""
        check(lib().spdkrt_nvmf_subsystem_remove_host(self._h(), b(hostnqn)),
              "spdkrt_nvmf_subsystem_remove_host(%s)" % hostnqn)

    def hosts(self) -> List[str]:
        h = self._h()
        out: List[str] = []
        while True:
            host = lib().spdkrt_nvmf_subsystem_get_host(h, len(out))
            if host is None:
                return out
            out.append(host.decode())

    def add_listener(self, traddr: str, trsvcid: str, trtype: str = "tcp") -> None:
        """Make the subsystem reachable through this target listener; once it names any, hosts
        reach it only through those (and discovery lists it only there)."""
        check(lib().spdkrt_nvmf_subsystem_add_listener(self._h(), b(trtype), b(traddr),
                                                       b(str(trsvcid))),
              "spdkrt_nvmf_subsystem_add_listener(%s, %s:%s)" % (self.nqn, traddr, trsvcid))

    def remove_listener(self, traddr: str, trsvcid: str, trtype: str = "tcp") -> None:
        """Take a listener off; without any, the subsystem is reachable on every listener."""
        check(lib().spdkrt_nvmf_subsystem_remove_listener(self._h(), b(trtype), b(traddr),
                                                          b(str(trsvcid))),
              "spdkrt_nvmf_subsystem_remove_listener(%s, %s:%s)" % (self.nqn, traddr, trsvcid))

    def listeners(self) -> List[Tuple[str, str]]:
        """(traddr, trsvcid) of the listeners the subsystem names (empty: every listener)."""
        return _listeners("spdkrt_nvmf_subsystem_get_listener", self._h())

    def add_ns(self, bdev_name: str, nsid: int = 0, uuid: Optional[bytes] = None,
               nguid: Optional[bytes] = None) -> int:
        """Export bdev_name as namespace nsid (0: the lowest free one); returns the id. uuid
        and nguid are 16 bytes each (default: derived from the NQN and the bdev name)."""
        opts = NvmfNsOpts()
        check(lib().spdkrt_nvmf_ns_opts_init(byref(opts), ctypes.sizeof(opts)),
              "spdkrt_nvmf_ns_opts_init")
        set_fields(opts, "ns_opts", {"nsid": nsid})
        for field, value in (("uuid", uuid), ("nguid", nguid)):
            if value is not None:
                if not isinstance(value, (bytes, bytearray)) or len(value) != 16:
                    raise ValueError("%s must be 16 bytes" % field)
                ctypes.memmove(getattr(opts, field), bytes(value), 16)
        out = c_uint32()
        check(lib().spdkrt_nvmf_subsystem_add_ns(self._h(), b(bdev_name), byref(opts),
                                                 byref(out)),
              "spdkrt_nvmf_subsystem_add_ns(%s, %s)" % (self.nqn, bdev_name))
        return out.value

    def remove_ns(self, nsid: int) -> None:
        set_fields(NvmfNsOpts(), "nsid", {"nsid": nsid})  # the same range check as add_ns
        check(lib().spdkrt_nvmf_subsystem_remove_ns(self._h(), nsid),
              "spdkrt_nvmf_subsystem_remove_ns(%s, %d)" % (self.nqn, nsid))

    def namespaces(self) -> Dict[int, str]:
        """nsid -> the bdev name, of each active namespace."""
        h = self._h()
        out: Dict[int, str] = {}
        nsid = lib().spdkrt_nvmf_subsystem_next_nsid(h, 0)
        while nsid:
            name = lib().spdkrt_nvmf_subsystem_get_ns_bdev_name(h, nsid)
            out[nsid] = name.decode() if name else ""
            nsid = lib().spdkrt_nvmf_subsystem_next_nsid(h, nsid)
        return out

    def destroy(self) -> None:
        """Disconnect its controllers and remove its namespaces."""
        check(lib().spdkrt_nvmf_subsystem_destroy(self._h()), "spdkrt_nvmf_subsystem_destroy")
