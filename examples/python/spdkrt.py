# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt.py: a small ctypes binding of libspdkrt.so.1.

It loads the shared library the way any program would: ctypes.CDLL("libspdkrt.so.1"), found by
the dynamic loader (the installed libspdkrt1 package, or LD_LIBRARY_PATH), unless the environment
variable SPDKRT_LIBRARY names a file (such as build/libspdkrt/.libs/libspdkrt.so.1).

What it covers: the version, logging, the environment (initialised without the app runner, or
through spdkrt_app_run()), spdkrt threads polled from Python, DMA buffers, and block devices
(create from a spec, open, channels, block I/O whose completion callbacks run from
Thread.poll()). Errors raise SpdkrtError with the negative errno and spdkrt's own description.

    import spdkrt
    spdkrt.env_init(no_huge=True)
    t = spdkrt.Thread("py")
    t.set_current()
    bdev = spdkrt.Bdev.create("malloc:name=Malloc0,size_mb=8")
    desc = spdkrt.Desc.open("Malloc0", write=True)
    ch = desc.get_io_channel()
    buf = spdkrt.DmaBuffer(bdev.block_size * 8, bdev.buf_align)
    done = []
    desc.write_blocks(ch, buf, 0, 8, done.append)    # the callback runs from t.poll()
    t.poll_until(lambda: done)

Threading follows the C library: every handle belongs to the spdkrt thread it was made on, and a
callback runs on the OS thread that polls that spdkrt thread, holding the GIL.
"""
import ctypes
import errno
import os
import time
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_bool, c_char_p, c_int, c_size_t,
                    c_uint32, c_uint64, c_void_p, create_string_buffer)

__all__ = [
    "SpdkrtError", "load", "lib", "version", "strerror", "set_log_level", "get_log_level",
    "EnvOpts", "AppOpts", "env_init", "env_fini", "env_is_initialized", "app_run", "app_stop",
    "DmaBuffer", "Thread", "Bdev", "Desc", "Channel", "BdevStats",
]

LIB_NAME = "libspdkrt.so.1"


class SpdkrtError(OSError):
    """A negative errno returned by spdkrt, with spdkrt_strerror()'s text."""

    def __init__(self, rc, what):
        code = -rc if rc < 0 else rc
        super().__init__(code, "%s: %s" % (what, strerror(rc)))
        self.rc = rc


# ---- C types ----

MSG_FN = CFUNCTYPE(None, c_void_p)
LOG_SINK_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p, c_char_p)
BDEV_EVENT_CB = CFUNCTYPE(None, c_int, c_void_p, c_void_p)
BDEV_IO_CB = CFUNCTYPE(None, c_void_p, c_int)
BDEV_DONE_CB = CFUNCTYPE(None, c_void_p, c_int)

LOG_LEVELS = {"error": 0, "warn": 1, "notice": 2, "info": 3, "debug": 4}


class EnvOpts(Structure):
    """struct spdkrt_env_opts (spdkrt/env.h); fields are only ever appended."""
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

    def as_dict(self):
        d = {"errors": self.errors, "ticks_hz": self.ticks_hz}
        for i, name in enumerate(IO_TYPES):
            d[name] = {"ops": self.ops[i], "bytes": self.bytes[i]}
        return d


# Function prototypes: name -> (restype, argtypes). Only what this binding uses.
_PROTOS = {
    "spdkrt_version": (c_char_p, []),
    "spdkrt_strerror": (c_char_p, [c_int]),
    "spdkrt_spec_redact": (c_char_p, [c_char_p, c_char_p, c_size_t]),
    "spdkrt_log_set_level": (c_int, [c_int]),
    "spdkrt_log_get_level": (c_int, []),
    "spdkrt_log_set_sink": (None, [LOG_SINK_FN, c_void_p]),
    "spdkrt_env_opts_init": (c_int, [POINTER(EnvOpts), c_size_t]),
    "spdkrt_env_init": (c_int, [POINTER(EnvOpts)]),
    "spdkrt_env_is_initialized": (c_bool, []),
    "spdkrt_env_fini": (None, []),
    "spdkrt_dma_zmalloc": (c_void_p, [c_size_t, c_size_t, c_int]),
    "spdkrt_dma_free": (None, [c_void_p]),
    "spdkrt_dma_iova": (c_uint64, [c_void_p]),
    "spdkrt_thread_create": (c_int, [c_char_p, POINTER(c_void_p)]),
    "spdkrt_thread_exit": (c_int, [c_void_p]),
    "spdkrt_thread_is_exited": (c_bool, [c_void_p]),
    "spdkrt_thread_destroy": (c_int, [c_void_p]),
    "spdkrt_thread_poll": (c_int, [c_void_p, c_uint32, c_uint64]),
    "spdkrt_thread_get_name": (c_char_p, [c_void_p]),
    "spdkrt_set_thread": (None, [c_void_p]),
    "spdkrt_get_thread": (c_void_p, []),
    "spdkrt_thread_send_msg": (c_int, [c_void_p, MSG_FN, c_void_p]),
    "spdkrt_put_io_channel": (None, [c_void_p]),
    "spdkrt_app_opts_init": (c_int, [POINTER(AppOpts), c_size_t]),
    "spdkrt_app_run": (c_int, [POINTER(AppOpts), MSG_FN, c_void_p]),
    "spdkrt_app_stop": (None, [c_int]),
    "spdkrt_bdev_create": (c_int, [c_char_p, POINTER(c_void_p)]),
    "spdkrt_bdev_destroy": (c_int, [c_char_p, BDEV_DONE_CB, c_void_p]),
    "spdkrt_bdev_open": (c_int, [c_char_p, c_bool, BDEV_EVENT_CB, c_void_p, POINTER(c_void_p)]),
    "spdkrt_bdev_close": (None, [c_void_p]),
    "spdkrt_bdev_get_by_name": (c_void_p, [c_char_p]),
    "spdkrt_bdev_desc_get_bdev": (c_void_p, [c_void_p]),
    "spdkrt_bdev_get_name": (c_char_p, [c_void_p]),
    "spdkrt_bdev_get_product_name": (c_char_p, [c_void_p]),
    "spdkrt_bdev_get_module_name": (c_char_p, [c_void_p]),
    "spdkrt_bdev_get_block_size": (c_uint32, [c_void_p]),
    "spdkrt_bdev_get_num_blocks": (c_uint64, [c_void_p]),
    "spdkrt_bdev_get_buf_align": (c_size_t, [c_void_p]),
    "spdkrt_bdev_get_io_channel": (c_void_p, [c_void_p]),
    "spdkrt_bdev_read_blocks": (c_int, [c_void_p, c_void_p, c_void_p, c_uint64, c_uint64,
                                        BDEV_IO_CB, c_void_p]),
    "spdkrt_bdev_write_blocks": (c_int, [c_void_p, c_void_p, c_void_p, c_uint64, c_uint64,
                                         BDEV_IO_CB, c_void_p]),
    "spdkrt_bdev_get_stats": (c_int, [c_void_p, POINTER(BdevStats), c_size_t]),
}

_lib = None


class _Lib:
    """The loaded library; attributes are the prototyped functions, looked up on first use so
    that a function the loaded library lacks fails only when it is called."""

    def __init__(self, cdll):
        self.cdll = cdll
        self.path = getattr(cdll, "_name", LIB_NAME)

    def has(self, name):
        return hasattr(self.cdll, name)

    def __getattr__(self, name):
        try:
            fn = getattr(self.cdll, name)
        except AttributeError:
            raise AttributeError("%s does not export %s (an older library?)" % (self.path, name))
        restype, argtypes = _PROTOS[name]
        fn.restype = restype
        fn.argtypes = argtypes
        setattr(self, name, fn)
        return fn


def load(path=None):
    """Load the library (once): path, else $SPDKRT_LIBRARY, else libspdkrt.so.1."""
    global _lib
    if _lib is None:
        _lib = _Lib(ctypes.CDLL(path or os.environ.get("SPDKRT_LIBRARY") or LIB_NAME))
    return _lib


def lib():
    return load()


def _check(rc, what):
    if rc < 0:
        raise SpdkrtError(rc, what)
    return rc


def _b(s):
    return s.encode() if isinstance(s, str) else s


def redact_spec(spec):
    """The spec with its secrets (crypto keys) masked, for messages (spdkrt_spec_redact)."""
    buf = create_string_buffer(1024)
    return lib().spdkrt_spec_redact(_b(spec), buf, len(buf)).decode(errors="replace")


# ---- version, errors, logging ----

def version():
    """Version of the loaded library, "MAJOR.MINOR.PATCH"."""
    return lib().spdkrt_version().decode()


def strerror(rc):
    return lib().spdkrt_strerror(rc).decode()


def set_log_level(level):
    """level: "error", "warn", "notice", "info", "debug" or 0-4."""
    _check(lib().spdkrt_log_set_level(LOG_LEVELS.get(level, level)), "spdkrt_log_set_level")


def get_log_level():
    value = lib().spdkrt_log_get_level()
    return {v: k for k, v in LOG_LEVELS.items()}.get(value, value)


_log_sink = None


def set_log_sink(fn):
    """Route spdkrt's log lines to fn(level_name, component, message); None restores stderr."""
    global _log_sink
    if fn is None:
        lib().spdkrt_log_set_sink(LOG_SINK_FN(), None)
        _log_sink = None
        return
    names = {v: k for k, v in LOG_LEVELS.items()}

    def sink(_ctx, level, component, message):
        fn(names.get(level, level), component.decode(errors="replace"),
           message.decode(errors="replace"))

    _log_sink = LOG_SINK_FN(sink)
    lib().spdkrt_log_set_sink(_log_sink, None)


# ---- environment and app runner ----

_keep = []  # strings and arrays referenced by options structures the library may keep


def _env_opts(no_huge=False, name="spdkrt_py", core_mask=None, mem_size_mb=0, file_prefix=None,
              hugepage_dir=None, pci_allowed=None, eal_args=None):
    opts = EnvOpts()
    _check(lib().spdkrt_env_opts_init(byref(opts), ctypes.sizeof(opts)), "spdkrt_env_opts_init")
    opts.name = _b(name)
    opts.no_huge = no_huge
    opts.mem_size_mb = mem_size_mb
    if core_mask is not None:
        opts.core_mask = _b(core_mask)
    if file_prefix is not None:
        opts.file_prefix = _b(file_prefix)
    if hugepage_dir is not None:
        opts.hugepage_dir = _b(hugepage_dir)
    for field, count, values in (("pci_allowed", "num_pci_allowed", pci_allowed),
                                 ("eal_args", "num_eal_args", eal_args)):
        if values:
            arr = (c_char_p * len(values))(*[_b(v) for v in values])
            _keep.append(arr)
            setattr(opts, field, ctypes.cast(arr, POINTER(c_char_p)))
            setattr(opts, count, len(values))
    _keep.append(opts)
    return opts


def env_init(**kwargs):
    """spdkrt_env_init(); keyword arguments are EnvOpts fields (no_huge, name, core_mask,
    mem_size_mb, file_prefix, hugepage_dir, pci_allowed, eal_args). Once per process."""
    opts = _env_opts(**kwargs)
    _check(lib().spdkrt_env_init(byref(opts)), "spdkrt_env_init")


def env_is_initialized():
    return bool(lib().spdkrt_env_is_initialized())


def env_fini():
    lib().spdkrt_env_fini()


def app_run(start, no_huge=False, name="spdkrt_py", core_mask=None, mem_size_mb=0,
            shutdown=None):
    """spdkrt_app_run(): runs start() on the app thread and blocks until app_stop(rc);
    returns rc. shutdown(), when given, runs on SIGINT/SIGTERM instead of app_stop(0)."""
    opts = AppOpts()
    _check(lib().spdkrt_app_opts_init(byref(opts), ctypes.sizeof(opts)), "spdkrt_app_opts_init")
    opts.name = _b(name)
    opts.no_huge = no_huge
    opts.mem_size_mb = mem_size_mb
    if core_mask is not None:
        opts.core_mask = _b(core_mask)
    errors = []

    def guarded(fn):
        def call(_ctx):
            try:
                fn()
            except BaseException as e:  # an exception cannot cross the C frames
                errors.append(e)
                lib().spdkrt_app_stop(-errno.ECANCELED)
        return MSG_FN(call)

    start_fn = guarded(start)
    shutdown_fn = guarded(shutdown) if shutdown else None
    if shutdown_fn:
        opts.shutdown_cb = shutdown_fn
    rc = lib().spdkrt_app_run(byref(opts), start_fn, None)
    if errors:
        raise errors[0]
    if rc < 0 and rc != -errno.ECANCELED:
        _check(rc, "spdkrt_app_run")
    return rc


def app_stop(rc=0):
    lib().spdkrt_app_stop(rc)


# ---- DMA memory ----

class DmaBuffer:
    """DMA-safe memory (spdkrt_dma_zmalloc). Read and write it as bytes with read()/write() or
    through the memoryview .view; free it with free() or a with statement."""

    def __init__(self, size, align=0, socket=-1):
        self.size = size
        self.addr = lib().spdkrt_dma_zmalloc(size, align, socket)
        if not self.addr:
            raise MemoryError("spdkrt_dma_zmalloc(%d) failed (is the environment initialised?)"
                              % size)
        self.view = memoryview((ctypes.c_char * size).from_address(self.addr)).cast("B")

    def write(self, data, offset=0):
        self.view[offset:offset + len(data)] = data

    def read(self, length=None, offset=0):
        end = self.size if length is None else offset + length
        return bytes(self.view[offset:end])

    @property
    def iova(self):
        return lib().spdkrt_dma_iova(self.addr)

    def free(self):
        if self.addr:
            self.view.release()
            lib().spdkrt_dma_free(self.addr)
            self.addr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()


# ---- threads ----

class Thread:
    """An spdkrt thread polled from Python: nothing runs on it except inside poll()."""

    def __init__(self, name=None):
        handle = c_void_p()
        _check(lib().spdkrt_thread_create(_b(name), byref(handle)), "spdkrt_thread_create")
        self.handle = handle.value
        self._msgs = {}

    @property
    def name(self):
        return lib().spdkrt_thread_get_name(self.handle).decode()

    def set_current(self):
        """Make this the current spdkrt thread of the calling OS thread (spdkrt_set_thread)."""
        lib().spdkrt_set_thread(self.handle)

    def poll(self, max_msgs=0, now=0):
        """One iteration: messages, deferred completions, pollers. Returns the work done."""
        return _check(lib().spdkrt_thread_poll(self.handle, max_msgs, now), "spdkrt_thread_poll")

    def poll_until(self, predicate, timeout=10.0):
        """Poll until predicate() is true; TimeoutError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            self.poll()
            if time.monotonic() > deadline:
                raise TimeoutError("spdkrt thread %s: condition not met in %.1f s"
                                   % (self.name, timeout))

    def send_msg(self, fn):
        """Run fn() on this thread during one of its polls (safe from any OS thread)."""
        key = id(fn)

        def run(_ctx):
            self._msgs.pop(key, None)
            fn()

        cfn = MSG_FN(run)
        self._msgs[key] = cfn
        rc = lib().spdkrt_thread_send_msg(self.handle, cfn, None)
        if rc < 0:
            self._msgs.pop(key, None)
            _check(rc, "spdkrt_thread_send_msg")

    def close(self, timeout=10.0):
        """Exit, poll until exited, destroy."""
        if self.handle is None:
            return
        _check(lib().spdkrt_thread_exit(self.handle), "spdkrt_thread_exit")
        self.poll_until(lambda: lib().spdkrt_thread_is_exited(self.handle), timeout)
        if lib().spdkrt_get_thread() == self.handle:
            lib().spdkrt_set_thread(None)
        _check(lib().spdkrt_thread_destroy(self.handle), "spdkrt_thread_destroy")
        self.handle = None


# ---- block devices ----

# One C trampoline for every I/O: cb_arg carries a key into _pending.
_pending = {}
_next_key = [1]


def _io_done(cb_arg, status):
    entry = _pending.pop(cb_arg, None)
    if entry is not None:
        entry(status)


_IO_DONE = BDEV_IO_CB(_io_done)


def _register(callback):
    key = _next_key[0]
    _next_key[0] += 1
    _pending[key] = callback
    return key


class Bdev:
    """A block device (struct spdkrt_bdev *)."""

    def __init__(self, handle):
        if not handle:
            raise ValueError("NULL bdev")
        self.handle = handle

    @classmethod
    def create(cls, spec):
        """spdkrt_bdev_create("malloc:name=Malloc0,size_mb=8") -> Bdev."""
        handle = c_void_p()
        rc = lib().spdkrt_bdev_create(_b(spec), byref(handle))
        _check(rc, "spdkrt_bdev_create(%s)" % redact_spec(spec) if rc < 0 else "")
        return cls(handle.value)

    @classmethod
    def get(cls, name):
        handle = lib().spdkrt_bdev_get_by_name(_b(name))
        return cls(handle) if handle else None

    @staticmethod
    def destroy(name, done):
        """spdkrt_bdev_destroy(); done(status) runs from a later poll of the calling thread."""
        key = _register(done)
        rc = lib().spdkrt_bdev_destroy(_b(name), _DESTROY_DONE, key)
        if rc < 0:
            _pending.pop(key, None)
            _check(rc, "spdkrt_bdev_destroy(%s)" % name)

    name = property(lambda self: lib().spdkrt_bdev_get_name(self.handle).decode())
    product_name = property(lambda self: lib().spdkrt_bdev_get_product_name(self.handle).decode())
    module_name = property(lambda self: lib().spdkrt_bdev_get_module_name(self.handle).decode())
    block_size = property(lambda self: lib().spdkrt_bdev_get_block_size(self.handle))
    num_blocks = property(lambda self: lib().spdkrt_bdev_get_num_blocks(self.handle))
    buf_align = property(lambda self: lib().spdkrt_bdev_get_buf_align(self.handle))

    def stats(self):
        s = BdevStats()
        _check(lib().spdkrt_bdev_get_stats(self.handle, byref(s), ctypes.sizeof(s)),
               "spdkrt_bdev_get_stats")
        return s


_DESTROY_DONE = BDEV_DONE_CB(_io_done)


class Channel:
    """The calling thread's I/O channel of a descriptor (struct spdkrt_io_channel *)."""

    def __init__(self, handle):
        self.handle = handle

    def put(self):
        if self.handle:
            lib().spdkrt_put_io_channel(self.handle)
            self.handle = None


class Desc:
    """An open bdev descriptor (struct spdkrt_bdev_desc *); belongs to the opening thread."""

    def __init__(self, handle, event_fn):
        self.handle = handle
        self._event_fn = event_fn

    @classmethod
    def open(cls, name, write=False, on_event=None):
        """Open on the current spdkrt thread. on_event(type, bdev_handle) gets remove (0) and
        resize (1) events; by default a remove event is ignored (close the descriptor)."""
        def event(type_, bdev, _ctx):
            if on_event:
                on_event(type_, bdev)

        event_fn = BDEV_EVENT_CB(event)
        handle = c_void_p()
        _check(lib().spdkrt_bdev_open(_b(name), write, event_fn, None, byref(handle)),
               "spdkrt_bdev_open(%s)" % name)
        return cls(handle.value, event_fn)

    @property
    def bdev(self):
        return Bdev(lib().spdkrt_bdev_desc_get_bdev(self.handle))

    def get_io_channel(self):
        handle = lib().spdkrt_bdev_get_io_channel(self.handle)
        if not handle:
            raise SpdkrtError(-errno.ENOMEM, "spdkrt_bdev_get_io_channel")
        return Channel(handle)

    def _submit(self, fn, ch, buf, offset_blocks, num_blocks, callback):
        addr = buf.addr if isinstance(buf, DmaBuffer) else buf
        key = _register(callback)
        rc = fn(self.handle, ch.handle, addr, offset_blocks, num_blocks, _IO_DONE, key)
        if rc < 0:
            _pending.pop(key, None)
            _check(rc, fn.__name__)

    def read_blocks(self, ch, buf, offset_blocks, num_blocks, callback):
        """Submit a read; callback(status) runs later, from a poll of ch's thread."""
        self._submit(lib().spdkrt_bdev_read_blocks, ch, buf, offset_blocks, num_blocks, callback)

    def write_blocks(self, ch, buf, offset_blocks, num_blocks, callback):
        """Submit a write; callback(status) runs later, from a poll of ch's thread."""
        self._submit(lib().spdkrt_bdev_write_blocks, ch, buf, offset_blocks, num_blocks, callback)

    def close(self):
        if self.handle:
            lib().spdkrt_bdev_close(self.handle)
            self.handle = None
