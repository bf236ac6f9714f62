# SPDX-License-Identifier: BSD-3-Clause
"""Python callbacks called from C, and the exceptions they raise.

ctypes cannot let an exception cross C frames: it prints it and goes on. So every callback runs
through guard(), which records an exception on the OS thread it was raised on; the poll call that
ran the callback (Thread.poll(), app_run()) raises it once the C call has returned.

One C trampoline per callback type serves every I/O: cb_arg carries a key into a table holding
the Python callback and whatever must stay alive until it runs (buffers, iovec arrays).
"""
import itertools
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

_local = threading.local()
_pending: Dict[int, Tuple[Callable[..., Any], Any]] = {}
_keys = itertools.count(1)  # never 0: a NULL cb_arg reaches Python as None


def _errors() -> List[BaseException]:
    errors = getattr(_local, "errors", None)
    if errors is None:
        errors = _local.errors = []
    return errors


def guard(fn: Callable[..., Any], *args: Any) -> None:
    """Call fn(*args), recording an exception instead of letting ctypes swallow it."""
    try:
        fn(*args)
    except BaseException as e:  # noqa: B902 - even KeyboardInterrupt must reach the poller
        _errors().append(e)


def raise_pending() -> None:
    """Raise the first exception a callback raised on this OS thread (the others follow at the
    next calls, in order)."""
    errors = _errors()
    if errors:
        raise errors.pop(0)


def register(callback: Callable[..., Any], keep: Any = None) -> int:
    """A cb_arg for callback; keep stays referenced until the callback has run."""
    key = next(_keys)
    _pending[key] = (callback, keep)
    return key


def unregister(key: int) -> None:
    _pending.pop(key, None)


def fire(key: Optional[int], *args: Any) -> None:
    """Run (once) the callback registered as key."""
    entry = _pending.pop(key, None) if key is not None else None
    if entry is not None:
        guard(entry[0], *args)


def outstanding() -> int:
    """Callbacks registered and not yet run (I/O in flight, messages not yet delivered)."""
    return len(_pending)
