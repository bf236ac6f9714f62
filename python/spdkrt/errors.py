# SPDX-License-Identifier: BSD-3-Clause
"""SpdkrtError: a negative errno returned by spdkrt, with spdkrt_strerror()'s text."""
from ctypes import create_string_buffer

from ._lib import b, lib


class SpdkrtError(OSError):
    """An spdkrt call failed; .errno is the positive errno, .rc the value the call returned."""

    def __init__(self, rc: int, what: str):
        code = -rc if rc < 0 else rc
        super().__init__(code, "%s: %s" % (what, strerror(rc)))
        self.rc = rc


def strerror(rc: int) -> str:
    """spdkrt_strerror(): the description of a (negative) errno."""
    return lib().spdkrt_strerror(rc).decode()


def redact_spec(spec: str) -> str:
    """spdkrt_spec_redact(): the spec with its secrets (crypto keys) masked, for messages."""
    buf = create_string_buffer(1024)
    return lib().spdkrt_spec_redact(b(spec), buf, len(buf)).decode(errors="replace")


def check(rc: int, what: str) -> int:
    """Raise SpdkrtError for a negative return value; return it otherwise."""
    if rc < 0:
        raise SpdkrtError(rc, what)
    return rc
