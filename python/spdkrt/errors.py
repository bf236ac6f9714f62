# SPDX-License-Identifier: BSD-3-Clause
"""SpdkrtError: a negative errno returned by spdkrt, with spdkrt_strerror()'s text."""
from ._lib import lib


class SpdkrtError(OSError):
    """An spdkrt call failed; .errno is the positive errno, .rc the value the call returned."""

    def __init__(self, rc: int, what: str):
        code = -rc if rc < 0 else rc
        super().__init__(code, "%s: %s" % (what, strerror(rc)))
        self.rc = rc


def strerror(rc: int) -> str:
    """spdkrt_strerror(): the description of a (negative) errno."""
    return lib().spdkrt_strerror(rc).decode()


def check(rc: int, what: str) -> int:
    """Raise SpdkrtError for a negative return value; return it otherwise."""
    if rc < 0:
        raise SpdkrtError(rc, what)
    return rc
