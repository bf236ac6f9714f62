# SPDX-License-Identifier: BSD-3-Clause
"""Loading libspdkrt.so.1, and the C types and prototypes of the functions the binding calls.

The library is found as any program would find it: $SPDKRT_LIBRARY when set (a file, such as a
build tree's libspdkrt/.libs/libspdkrt.so.1), else ctypes.util.find_library("spdkrt") (the
installed package), else the plain soname through the dynamic loader (LD_LIBRARY_PATH).
"""
import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char_p, c_int, c_size_t, c_uint32,
                    c_uint64, c_void_p)
from typing import Any, Dict, List, Optional, Tuple

SONAME = "libspdkrt.so.1"

# ---- callback types ----
MSG_FN = CFUNCTYPE(None, c_void_p)
LOG_SINK_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p, c_char_p)
BDEV_EVENT_CB = CFUNCTYPE(None, c_int, c_void_p, c_void_p)
BDEV_IO_CB = CFUNCTYPE(None, c_void_p, c_int)
BDEV_DONE_CB = CFUNCTYPE(None, c_void_p, c_int)
IO_WAIT_CB = CFUNCTYPE(None, c_void_p)


# ---- structures (public headers; fields are only ever appended) ----
class EnvOpts(Structure):
    """struct spdkrt_env_opts (spdkrt/env.h)."""
    _fields_ = [
        ("size", c_size_t),
        ("name", c_char_p),
        ("core_mask", c_char_p),
        ("main_core", c_int),
        ("mem_size_mb", c_size_t),
        ("no_huge", c_bool),
        ("hugepage_dir", c_char_p),
        ("iova_mode", c_int),
        ("socket_mem", c_char_p),
        ("pci_allowed", POINTER(c_char_p)),
        ("num_pci_allowed", c_size_t),
        ("file_prefix", c_char_p),
        ("eal_args", POINTER(c_char_p)),
        ("num_eal_args", c_size_t),
    ]


class AppOpts(Structure):
    """struct spdkrt_app_opts (spdkrt/app.h)."""
    _fields_ = [
        ("size", c_size_t),
        ("name", c_char_p),
        ("core_mask", c_char_p),
        ("mem_size_mb", c_size_t),
        ("no_huge", c_bool),
        ("log_level", c_int),
        ("shutdown_cb", MSG_FN),
        ("shutdown_ctx", c_void_p),
        ("env_opts", POINTER(EnvOpts)),
    ]


IO_TYPE_SLOTS = 8
IO_TYPES = ["read", "write", "unmap", "flush", "reset", "write_zeroes"]


class BdevStats(Structure):
    """struct spdkrt_bdev_stats (spdkrt/bdev.h)."""
    _fields_ = [
        ("ops", c_uint64 * IO_TYPE_SLOTS),
        ("bytes", c_uint64 * IO_TYPE_SLOTS),
        ("latency_ticks", c_uint64 * IO_TYPE_SLOTS),
        ("max_latency_ticks", c_uint64 * IO_TYPE_SLOTS),
        ("errors", c_uint64),
        ("ticks_hz", c_uint64),
    ]

    def as_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"errors": self.errors, "ticks_hz": self.ticks_hz}
        for i, name in enumerate(IO_TYPES):
            d[name] = {"ops": self.ops[i], "bytes": self.bytes[i],
                       "latency_ticks": self.latency_ticks[i],
                       "max_latency_ticks": self.max_latency_ticks[i]}
        return d


class IoWaitEntry(Structure):
    """struct spdkrt_bdev_io_wait_entry (spdkrt/bdev.h)."""
    _fields_ = [("cb_fn", IO_WAIT_CB), ("cb_arg", c_void_p), ("reserved", c_void_p * 2)]


class Iovec(Structure):
    """struct iovec."""
    _fields_ = [("iov_base", c_void_p), ("iov_len", c_size_t)]


_P = c_void_p
_IO = [_P, _P, _P, c_uint64, c_uint64, BDEV_IO_CB, _P]      # desc, ch, buf, offset, n, cb, arg
_IOV = [_P, _P, POINTER(Iovec), c_int, c_uint64, c_uint64, BDEV_IO_CB, _P]
_RANGE = [_P, _P, c_uint64, c_uint64, BDEV_IO_CB, _P]

# name -> (restype, argtypes): every function the binding calls.
PROTOS: Dict[str, Tuple[Any, List[Any]]] = {
    "spdkrt_version": (c_char_p, []),
    "spdkrt_strerror": (c_char_p, [c_int]),
    "spdkrt_spec_redact": (c_char_p, [c_char_p, c_char_p, c_size_t]),
    "spdkrt_log_set_level": (c_int, [c_int]),
    "spdkrt_log_get_level": (c_int, []),
    "spdkrt_log_level_from_name": (c_int, [c_char_p, POINTER(c_int)]),
    "spdkrt_log_level_name": (c_char_p, [c_int]),
    "spdkrt_log_set_sink": (None, [LOG_SINK_FN, _P]),
    "spdkrt_env_opts_init": (c_int, [POINTER(EnvOpts), c_size_t]),
    "spdkrt_env_init": (c_int, [POINTER(EnvOpts)]),
    "spdkrt_env_is_initialized": (c_bool, []),
    "spdkrt_env_fini": (None, []),
    "spdkrt_env_get_core_count": (c_uint32, []),
    "spdkrt_dma_zmalloc": (_P, [c_size_t, c_size_t, c_int]),
    "spdkrt_dma_free": (None, [_P]),
    "spdkrt_dma_iova": (c_uint64, [_P]),
    "spdkrt_thread_create": (c_int, [c_char_p, POINTER(_P)]),
    "spdkrt_thread_exit": (c_int, [_P]),
    "spdkrt_thread_is_exited": (c_bool, [_P]),
    "spdkrt_thread_is_idle": (c_bool, [_P]),
    "spdkrt_thread_destroy": (c_int, [_P]),
    "spdkrt_thread_poll": (c_int, [_P, c_uint32, c_uint64]),
    "spdkrt_thread_get_name": (c_char_p, [_P]),
    "spdkrt_set_thread": (None, [_P]),
    "spdkrt_get_thread": (_P, []),
    "spdkrt_thread_send_msg": (c_int, [_P, MSG_FN, _P]),
    "spdkrt_get_ticks": (c_uint64, []),
    "spdkrt_get_ticks_hz": (c_uint64, []),
    "spdkrt_put_io_channel": (None, [_P]),
    "spdkrt_io_channel_get_thread": (_P, [_P]),
    "spdkrt_app_opts_init": (c_int, [POINTER(AppOpts), c_size_t]),
    "spdkrt_app_run": (c_int, [POINTER(AppOpts), MSG_FN, _P]),
    "spdkrt_app_stop": (None, [c_int]),
    "spdkrt_bdev_create": (c_int, [c_char_p, POINTER(_P)]),
    "spdkrt_bdev_destroy": (c_int, [c_char_p, BDEV_DONE_CB, _P]),
    "spdkrt_bdev_rescan": (c_int, [c_char_p]),
    "spdkrt_bdev_open": (c_int, [c_char_p, c_bool, BDEV_EVENT_CB, _P, POINTER(_P)]),
    "spdkrt_bdev_close": (None, [_P]),
    "spdkrt_bdev_get_by_name": (_P, [c_char_p]),
    "spdkrt_bdev_first": (_P, []),
    "spdkrt_bdev_next": (_P, [_P]),
    "spdkrt_bdev_desc_get_bdev": (_P, [_P]),
    "spdkrt_bdev_get_name": (c_char_p, [_P]),
    "spdkrt_bdev_get_product_name": (c_char_p, [_P]),
    "spdkrt_bdev_get_module_name": (c_char_p, [_P]),
    "spdkrt_bdev_get_block_size": (c_uint32, [_P]),
    "spdkrt_bdev_get_num_blocks": (c_uint64, [_P]),
    "spdkrt_bdev_get_buf_align": (c_size_t, [_P]),
    "spdkrt_bdev_get_optimal_io_boundary": (c_uint32, [_P]),
    "spdkrt_bdev_get_write_unit_size": (c_uint32, [_P]),
    "spdkrt_bdev_get_max_io_blocks": (c_uint32, [_P]),
    "spdkrt_bdev_is_claimed": (c_bool, [_P]),
    "spdkrt_bdev_io_type_supported": (c_bool, [_P, c_int]),
    "spdkrt_bdev_get_io_channel": (_P, [_P]),
    "spdkrt_bdev_get_io_channel_ext": (c_int, [_P, POINTER(_P)]),
    "spdkrt_bdev_read_blocks": (c_int, _IO),
    "spdkrt_bdev_write_blocks": (c_int, _IO),
    "spdkrt_bdev_readv_blocks": (c_int, _IOV),
    "spdkrt_bdev_writev_blocks": (c_int, _IOV),
    "spdkrt_bdev_write_zeroes_blocks": (c_int, _RANGE),
    "spdkrt_bdev_unmap_blocks": (c_int, _RANGE),
    "spdkrt_bdev_flush_blocks": (c_int, _RANGE),
    "spdkrt_bdev_reset": (c_int, [_P, _P, BDEV_IO_CB, _P]),
    "spdkrt_bdev_read": (c_int, _IO),
    "spdkrt_bdev_write": (c_int, _IO),
    "spdkrt_bdev_queue_io_wait": (c_int, [_P, _P, POINTER(IoWaitEntry)]),
    "spdkrt_bdev_get_stats": (c_int, [_P, POINTER(BdevStats), c_size_t]),
    "spdkrt_bdev_channel_get_stats": (c_int, [_P, POINTER(BdevStats), c_size_t]),
}


class Library:
    """The loaded library; its attributes are the prototyped functions, looked up on first use
    so that a function an older library lacks fails only when it is called."""

    def __init__(self, cdll: ctypes.CDLL, path: str):
        self.cdll = cdll
        self.path = path

    def has(self, name: str) -> bool:
        return hasattr(self.cdll, name)

    def __getattr__(self, name: str) -> Any:
        try:
            fn = getattr(self.cdll, name)
        except AttributeError:
            raise AttributeError("%s does not export %s (an older library?)"
                                 % (self.path, name)) from None
        restype, argtypes = PROTOS[name]
        fn.restype = restype
        fn.argtypes = argtypes
        setattr(self, name, fn)
        return fn


_lib: Optional[Library] = None


def find() -> str:
    """The file or soname load() would open."""
    return (os.environ.get("SPDKRT_LIBRARY") or ctypes.util.find_library("spdkrt") or SONAME)


def load(path: Optional[str] = None) -> Library:
    """Load the library once (path, else find()); later calls return the same library."""
    global _lib
    if _lib is None:
        name = path or find()
        _lib = Library(ctypes.CDLL(name), name)
    return _lib


def lib() -> Library:
    return _lib if _lib is not None else load()


def b(s: Optional[str]) -> Optional[bytes]:
    """A C string argument: str, bytes or None. Anything else raises TypeError (ctypes would
    take an int as an address: a crash)."""
    if s is None or isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode()
    raise TypeError("expected a str, not %s" % type(s).__name__)


U64_MAX = 2 ** 64 - 1


def u64(name: str, value: Any) -> int:
    """An unsigned 64-bit argument: an int in 0..2**64-1 (ctypes would silently truncate)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
    if value < 0 or value > U64_MAX:
        raise ValueError("%s=%d is outside 0..2**64-1" % (name, value))
    return value


def set_fields(struct: Structure, what: str, values: Dict[str, Any]) -> None:
    """Set fields of an options structure from keyword arguments, checked: an unknown name is a
    TypeError, an int outside the field's width a ValueError (ctypes would truncate it), a
    string field takes str or bytes that fit."""
    fields = dict(struct._fields_)
    for name, value in values.items():
        ctype = fields.get(name)
        if ctype is None or name == "size":
            raise TypeError("%s has no option %r (options: %s)"
                            % (what, name, ", ".join(f for f in fields if f != "size")))
        if ctype is c_bool:
            if not isinstance(value, bool):
                raise TypeError("%s.%s must be a bool" % (what, name))
        elif issubclass(ctype, ctypes.Array) and ctype._type_ is ctypes.c_char:
            raw = b(value)
            if raw is None or len(raw) >= ctype._length_:
                raise ValueError("%s.%s must be a string shorter than %d bytes"
                                 % (what, name, ctype._length_))
            value = raw
        else:
            bits = 8 * ctypes.sizeof(ctype)
            if u64("%s.%s" % (what, name), value) >= 2 ** bits:
                raise ValueError("%s.%s=%d does not fit %d bits" % (what, name, value, bits))
        setattr(struct, name, value)
