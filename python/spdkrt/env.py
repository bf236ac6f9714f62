# SPDX-License-Identifier: BSD-3-Clause
"""The environment (once per process: DPDK cannot initialise twice), DMA memory, the app runner."""
import ctypes
import errno
import weakref
from ctypes import POINTER, byref, c_char_p
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

from . import _callbacks
from ._lib import MSG_FN, AppOpts, EnvOpts, Iovec, b, lib, u64
from .errors import SpdkrtError, check

# Finalizers of the live DMA buffers: env_fini() frees what is left first.
_buffers: "weakref.WeakSet[DmaBuffer]" = weakref.WeakSet()
# Called by env_fini() before the environment goes: closes the live threads (thread.py).
_before_fini: List[Callable[[], None]] = []


class _EnvArgs:
    """An EnvOpts and the C strings and arrays it points to, kept alive together."""

    def __init__(self, no_huge: bool = False, name: str = "spdkrt_py",
                 core_mask: Optional[str] = None, mem_size_mb: int = 0,
                 file_prefix: Optional[str] = None, hugepage_dir: Optional[str] = None,
                 pci_allowed: Optional[Sequence[str]] = None,
                 eal_args: Optional[Sequence[str]] = None):
        self.keep: List[Any] = []
        opts = self.opts = EnvOpts()
        check(lib().spdkrt_env_opts_init(byref(opts), ctypes.sizeof(opts)),
              "spdkrt_env_opts_init")
        opts.name = b(name)
        opts.no_huge = no_huge
        opts.mem_size_mb = mem_size_mb
        for field, value in (("core_mask", core_mask), ("file_prefix", file_prefix),
                             ("hugepage_dir", hugepage_dir)):
            if value is not None:
                setattr(opts, field, b(value))
        for field, count, values in (("pci_allowed", "num_pci_allowed", pci_allowed),
                                     ("eal_args", "num_eal_args", eal_args)):
            if values:
                arr = (c_char_p * len(values))(*[b(v) for v in values])
                self.keep.append(arr)
                setattr(opts, field, ctypes.cast(arr, POINTER(c_char_p)))
                setattr(opts, count, len(values))


_env_args: Optional[_EnvArgs] = None


def env_init(**kwargs: Any) -> None:
    """spdkrt_env_init(). Keyword arguments: no_huge, name, core_mask, mem_size_mb, file_prefix,
    hugepage_dir, pci_allowed, eal_args. Once per process."""
    global _env_args
    args = _EnvArgs(**kwargs)
    check(lib().spdkrt_env_init(byref(args.opts)), "spdkrt_env_init")
    _env_args = args  # the library may keep pointers into the options


def env_is_initialized() -> bool:
    return bool(lib().spdkrt_env_is_initialized())


def env_fini() -> None:
    """Close the live threads (and what they own), free the live DMA buffers, then
    spdkrt_env_fini(). The environment cannot be initialised again in this process."""
    if not env_is_initialized():
        return
    for fn in list(_before_fini):
        fn()
    for buf in list(_buffers):
        buf.free()
    lib().spdkrt_env_fini()


class Env:
    """The environment as a context manager: with Env(no_huge=True): ... (env_init/env_fini)."""

    def __init__(self, **kwargs: Any):
        env_init(**kwargs)
        self._fin = weakref.finalize(self, env_fini)

    def close(self) -> None:
        self._fin()

    def __enter__(self) -> "Env":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class DmaBuffer:
    """DMA-safe memory (spdkrt_dma_zmalloc), readable and writable as bytes or through the
    memoryview .view. Freed by free(), a with statement, the garbage collector, or env_fini()."""

    def __init__(self, size: int, align: int = 0, socket: int = -1):
        if size <= 0:
            raise ValueError("DmaBuffer size must be > 0, not %d" % size)
        addr = lib().spdkrt_dma_zmalloc(size, align, socket)
        if not addr:
            raise SpdkrtError(-errno.ENOMEM, "spdkrt_dma_zmalloc(%d) (is the environment "
                              "initialised? the log says why)" % size)
        self.size = size
        self.addr: Optional[int] = addr
        self.view = memoryview((ctypes.c_char * size).from_address(addr)).cast("B")
        self._fin = weakref.finalize(self, lib().spdkrt_dma_free, addr)
        _buffers.add(self)

    def __len__(self) -> int:
        return self.size

    def write(self, data: bytes, offset: int = 0) -> None:
        if offset < 0 or offset + len(data) > self.size:
            raise ValueError("%d bytes at %d do not fit a %d-byte buffer"
                             % (len(data), offset, self.size))
        self.view[offset:offset + len(data)] = data

    def read(self, length: Optional[int] = None, offset: int = 0) -> bytes:
        end = self.size if length is None else offset + length
        if offset < 0 or end > self.size:
            raise ValueError("bytes %d..%d are outside a %d-byte buffer" % (offset, end, self.size))
        return bytes(self.view[offset:end])

    @property
    def iova(self) -> int:
        """The device address of the buffer's first byte."""
        return lib().spdkrt_dma_iova(self.addr)

    def free(self) -> None:
        if self.addr is not None:
            self.view.release()
            self.addr = None
            self._fin()
            _buffers.discard(self)

    def __enter__(self) -> "DmaBuffer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.free()


def dma_addr(buf: DmaBuffer, need: int = 0) -> int:
    """The address of a DmaBuffer that holds at least need bytes. Anything else (bytes, str,
    an int taken as an address) raises TypeError: the library would write through it."""
    if not isinstance(buf, DmaBuffer):
        raise TypeError("an I/O buffer must be a DmaBuffer, not %s" % type(buf).__name__)
    if buf.addr is None:
        raise ValueError("the DmaBuffer was freed")
    if need > buf.size:
        raise ValueError("the I/O needs %d bytes but the DmaBuffer holds %d" % (need, buf.size))
    return buf.addr


# One iovec: a DmaBuffer (all of it), or (DmaBuffer, offset, length) inside it.
IovecLike = Union[DmaBuffer, Tuple[DmaBuffer, int, int]]


def iovec_array(iov: Sequence[IovecLike]) -> Tuple[Any, Any]:
    """A struct iovec array for iov, and what must stay referenced until the I/O completes."""
    arr = (Iovec * max(len(iov), 1))()
    for i, v in enumerate(iov):
        if isinstance(v, DmaBuffer):
            arr[i].iov_base, arr[i].iov_len = dma_addr(v), v.size
        else:
            buf, off, length = v
            base = dma_addr(buf)
            if u64("iovec offset", off) + u64("iovec length", length) > len(buf):
                raise ValueError("iovec %d: %d bytes at %d do not fit its %d-byte buffer"
                                 % (i, length, off, len(buf)))
            arr[i].iov_base, arr[i].iov_len = base + off, length
    return arr, (arr, list(iov))


def app_run(start: Callable[[], None], no_huge: bool = False, name: str = "spdkrt_py",
            core_mask: Optional[str] = None, mem_size_mb: int = 0,
            shutdown: Optional[Callable[[], None]] = None) -> int:
    """spdkrt_app_run(): runs start() on the app thread and blocks until app_stop(rc); returns
    rc. shutdown(), when given, runs on SIGINT/SIGTERM instead of app_stop(0). An exception
    raised by start, shutdown or any callback stops the app and is raised here."""
    opts = AppOpts()
    check(lib().spdkrt_app_opts_init(byref(opts), ctypes.sizeof(opts)), "spdkrt_app_opts_init")
    opts.name = b(name)
    opts.no_huge = no_huge
    opts.mem_size_mb = mem_size_mb
    if core_mask is not None:
        opts.core_mask = b(core_mask)
    failed = []

    def stop_on_error(fn: Callable[[], None]) -> Callable[[Any], None]:
        def call(_ctx: Any) -> None:
            try:
                fn()
            except BaseException as e:  # noqa: B902 - cannot cross the C frames
                failed.append(e)
                lib().spdkrt_app_stop(-errno.ECANCELED)
        return call

    start_fn = MSG_FN(stop_on_error(start))
    shutdown_fn = MSG_FN(stop_on_error(shutdown)) if shutdown else None
    if shutdown_fn:
        opts.shutdown_cb = shutdown_fn
    rc = lib().spdkrt_app_run(byref(opts), start_fn, None)
    if failed:
        raise failed[0]
    _callbacks.raise_pending()
    if rc < 0 and rc != -errno.ECANCELED:
        check(rc, "spdkrt_app_run")
    return rc


def app_stop(rc: int = 0) -> None:
    lib().spdkrt_app_stop(rc)
