# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt: a ctypes binding of libspdkrt.so.1, the SPDK-style user-space storage runtime.

    import spdkrt
    with spdkrt.Env(no_huge=True), spdkrt.Thread("main") as t:
        spdkrt.Bdev.create("malloc:name=Malloc0,size_mb=16")
        with spdkrt.Desc.open("Malloc0", write=True) as desc:
            desc.write(0, b"hello")                 # polls t until done
            assert desc.read(0, 5) == b"hello"

Asynchronous I/O (read_blocks, writev_blocks, unmap_blocks, ...) takes callback(status), which
runs from Thread.poll(), never inside the submitting call; an exception a callback raises comes
out of that poll(). Errors are SpdkrtError (an OSError: .errno, and .rc as spdkrt returned it).
Threading follows the C library: every handle belongs to the spdkrt thread it was made on.
NVMe controllers (spdkrt.nvme: connect, probe, namespaces, queue pairs, passthrough) and the
NVMe-oF target (spdkrt.nvmf: Target, Subsystem) are submodules.
The library: $SPDKRT_LIBRARY, else ctypes.util.find_library("spdkrt"), else libspdkrt.so.1.
"""
from ._lib import SONAME, AppOpts, BdevStats, EnvOpts, find, load
from ._lib import lib as lib
from .bdev import (EVENT_REMOVE, EVENT_RESIZE, IO_FLUSH, IO_READ, IO_RESET, IO_UNMAP, IO_WRITE,
                   IO_WRITE_ZEROES, Bdev, Channel, Desc, bdevs)
from .env import DmaBuffer, Env, app_run, app_stop, env_fini, env_init, env_is_initialized
from .errors import SpdkrtError, strerror
from .log import get_log_level, set_log_level, set_log_sink, version
from .thread import Thread
from . import nvme, nvmf  # noqa: E402 - after the modules they build on

__all__ = [
    "SONAME", "AppOpts", "BdevStats", "EnvOpts", "find", "load", "lib",
    "EVENT_REMOVE", "EVENT_RESIZE", "IO_FLUSH", "IO_READ", "IO_RESET", "IO_UNMAP", "IO_WRITE",
    "IO_WRITE_ZEROES", "Bdev", "Channel", "Desc", "bdevs",
    "DmaBuffer", "Env", "app_run", "app_stop", "env_fini", "env_init", "env_is_initialized",
    "SpdkrtError", "strerror", "get_log_level", "set_log_level", "set_log_sink", "version",
    "Thread", "nvme", "nvmf",
]
