# SPDX-License-Identifier: BSD-3-Clause
"""Version, log level and log sink."""
from ctypes import byref, c_int
from typing import Callable, Optional, Union

from . import _callbacks
from ._lib import LOG_SINK_FN, b, lib
from .errors import check

LEVELS = {"error": 0, "warn": 1, "notice": 2, "info": 3, "debug": 4}
_NAMES = {v: k for k, v in LEVELS.items()}


def version() -> str:
    """Version of the loaded library, "MAJOR.MINOR.PATCH"."""
    return lib().spdkrt_version().decode()


def set_log_level(level: Union[str, int]) -> None:
    """level: "error", "warn", "notice", "info", "debug", or 0-4."""
    if isinstance(level, str):
        value = c_int()
        check(lib().spdkrt_log_level_from_name(b(level), byref(value)),
              "spdkrt_log_level_from_name(%s)" % level)
        level = value.value
    check(lib().spdkrt_log_set_level(level), "spdkrt_log_set_level")


def get_log_level() -> str:
    """The current level's name."""
    return lib().spdkrt_log_level_name(lib().spdkrt_log_get_level()).decode()


_sink = None


def set_log_sink(fn: Optional[Callable[[str, str, str], None]]) -> None:
    """Route spdkrt's log lines to fn(level, component, message); None restores stderr.
    fn may be called from any OS thread; an exception it raises is raised by the next poll on
    that OS thread."""
    global _sink
    if fn is None:
        lib().spdkrt_log_set_sink(LOG_SINK_FN(), None)
        _sink = None
        return

    def sink(_ctx, level, component, message):
        _callbacks.guard(fn, _NAMES.get(level, str(level)),
                         component.decode(errors="replace"), message.decode(errors="replace"))

    new = LOG_SINK_FN(sink)
    lib().spdkrt_log_set_sink(new, None)
    _sink = new  # the previous sink is no longer called: it may be collected now
