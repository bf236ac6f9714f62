# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt threads polled from Python.

An spdkrt thread runs only inside poll(). Every handle made on a thread (descriptors, channels)
is owned by it: Thread.close() releases what is still open, in reverse order, before the thread
exits; a handle the garbage collector finds is released on its thread (directly when that thread
is current, else through a message that its next poll runs).
"""
import threading
import time
import weakref
from ctypes import byref, c_void_p
from typing import Any, Callable, List, Optional

from . import _callbacks, env
from ._lib import MSG_FN, b, lib
from .errors import check

_threads: "weakref.WeakValueDictionary[int, Thread]" = weakref.WeakValueDictionary()
_local = threading.local()

# One trampoline for every message: ctx is a key of _callbacks.
_MSG = MSG_FN(lambda key: _callbacks.fire(key))


def _polling() -> bool:
    return getattr(_local, "depth", 0) > 0


def run_on(handle: int, fn: Callable[[], None]) -> None:
    """Run fn on the spdkrt thread handle: now if it is the current thread, else from its next
    poll (spdkrt_thread_send_msg is safe from any OS thread)."""
    if lib().spdkrt_get_thread() == handle:
        fn()
        return
    key = _callbacks.register(fn)
    if lib().spdkrt_thread_send_msg(handle, _MSG, key) < 0:
        _callbacks.unregister(key)


def _close_thread(handle: int, owned: List[weakref.finalize], timeout: float = 10.0) -> None:
    previous = lib().spdkrt_get_thread()
    lib().spdkrt_set_thread(handle)
    try:
        for fin in reversed(owned):
            fin()
        owned.clear()
        check(lib().spdkrt_thread_exit(handle), "spdkrt_thread_exit")
        deadline = time.monotonic() + timeout
        while not lib().spdkrt_thread_is_exited(handle):
            lib().spdkrt_thread_poll(handle, 0, 0)
            if time.monotonic() > deadline:
                raise TimeoutError("spdkrt thread did not exit in %.1f s" % timeout)
        check(lib().spdkrt_thread_destroy(handle), "spdkrt_thread_destroy")
    finally:
        lib().spdkrt_set_thread(None if previous == handle else previous)


class Thread:
    """An spdkrt thread (struct spdkrt_thread *). As a context manager it is the current thread
    of the calling OS thread inside the with block, and is closed at its end."""

    def __init__(self, name: Optional[str] = None):
        handle = c_void_p()
        check(lib().spdkrt_thread_create(b(name), byref(handle)), "spdkrt_thread_create")
        self.handle: Optional[int] = handle.value
        self._owned: List[weakref.finalize] = []
        self._previous: List[Optional[int]] = []
        _threads[handle.value] = self
        self._fin = weakref.finalize(self, _close_thread, handle.value, self._owned)

    @staticmethod
    def current() -> Optional["Thread"]:
        """The Thread object of the calling OS thread's current spdkrt thread, if Python made it."""
        handle = lib().spdkrt_get_thread()
        return _threads.get(handle) if handle else None

    @property
    def name(self) -> str:
        return lib().spdkrt_thread_get_name(self.handle).decode()

    def set_current(self) -> None:
        """Make this the current spdkrt thread of the calling OS thread (spdkrt_set_thread)."""
        lib().spdkrt_set_thread(self.handle)

    def own(self, fin: weakref.finalize) -> None:
        """Record the finalizer of a handle made on this thread: close() runs it."""
        self._owned[:] = [f for f in self._owned if f.alive]
        self._owned.append(fin)

    def poll(self, max_msgs: int = 0, now: int = 0) -> int:
        """One iteration: messages, deferred completions, pollers; returns the work done. An
        exception raised by a callback it ran is raised here."""
        _local.depth = getattr(_local, "depth", 0) + 1
        try:
            rc = lib().spdkrt_thread_poll(self.handle, max_msgs, now)
        finally:
            _local.depth -= 1
        _callbacks.raise_pending()
        return check(rc, "spdkrt_thread_poll")

    def poll_until(self, predicate: Callable[[], Any], timeout: float = 30.0) -> None:
        """Poll until predicate() is true; TimeoutError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            self.poll()
            if time.monotonic() > deadline:
                raise TimeoutError("spdkrt thread %s: condition not met in %.1f s"
                                   % (self.name, timeout))

    def send_msg(self, fn: Callable[[], None]) -> None:
        """Run fn() on this thread during one of its polls (safe from any OS thread)."""
        key = _callbacks.register(fn)
        rc = lib().spdkrt_thread_send_msg(self.handle, _MSG, key)
        if rc < 0:
            _callbacks.unregister(key)
            check(rc, "spdkrt_thread_send_msg")

    @property
    def is_idle(self) -> bool:
        return bool(lib().spdkrt_thread_is_idle(self.handle))

    def close(self) -> None:
        """Release what the thread still owns, exit it (polling until it has), destroy it."""
        if self.handle is not None:
            self._fin()
            self.handle = None

    def __enter__(self) -> "Thread":
        self._previous.append(lib().spdkrt_get_thread())
        self.set_current()
        return self

    def __exit__(self, *exc: Any) -> None:
        previous = self._previous.pop() if self._previous else None
        self.close()
        if previous and previous in _threads:
            lib().spdkrt_set_thread(previous)


def _close_all_threads() -> None:
    for t in list(_threads.values()):
        t.close()


env._before_fini.append(_close_all_threads)


def current_or_raise(what: str) -> Thread:
    """The current Thread for a call that polls it itself; refuses inside a poll (a callback
    cannot wait for an I/O of the thread that runs it)."""
    t = Thread.current()
    if t is None:
        raise RuntimeError("%s needs a current spdkrt thread made by Python "
                           "(with spdkrt.Thread(...) as t: or t.set_current())" % what)
    if _polling():
        raise RuntimeError("%s polls the thread itself: call it from your script, not from a "
                           "callback (use the asynchronous form there)" % what)
    return t
