# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures: one environment for the whole session (DPDK initialises once per process), a
current spdkrt thread per test, and a malloc bdev per test.

Environment: SPDKRT_LIBRARY (library to load), SPDKRT_EXPECT_VERSION (the version it must have),
SPDKRT_LAYOUT_FILE (structure layouts printed by tests/abi/layout.c, compared with the binding's),
SPDKRT_PY_EXAMPLES (where examples/bdevperf.py is; default ../examples).
test_nvme.py runs only with SPDKRT_LIBRARY naming the tests' library with the NVMe controller model
(build/tests/python/.libs/libspdkrt_nvme_model.so): python.sh runs it so.
"""
import itertools
import os
import sys

import pytest

import spdkrt

_names = itertools.count()


def pytest_report_header(config):
    return "spdkrt %s from %s (binding %s)" % (spdkrt.version(), spdkrt.load().path,
                                               os.path.dirname(spdkrt.__file__))


def has_nvme_model():
    """Whether the loaded library is the tests' one with the NVMe controller model
    (tests/python/nvme_model_shim.c; python.sh runs test_nvme.py with it)."""
    return spdkrt.lib().has("spdkrt_test_model_start")


@pytest.fixture(scope="session")
def env():
    if has_nvme_model():  # before the environment: no real PCI functions, IOVAs that are not VAs
        assert spdkrt.lib().spdkrt_test_model_prepare() == 0
    e = spdkrt.Env(no_huge=True, name="spdkrt_pytest", mem_size_mb=256)
    yield e
    e.close()


@pytest.fixture
def thread(env):
    with spdkrt.Thread("pytest") as t:
        yield t


@pytest.fixture
def malloc(thread):
    """A fresh 8 MiB malloc bdev, destroyed after the test."""
    name = "PyMalloc%d" % next(_names)
    bdev = spdkrt.Bdev.create("malloc:name=%s,size_mb=8" % name)
    yield bdev
    if spdkrt.Bdev.get(name) is not None:
        spdkrt.Bdev.destroy_by_name(name)


@pytest.fixture
def log_lines():
    """Captures spdkrt's log lines (level, component, message) instead of printing them."""
    lines = []
    spdkrt.set_log_sink(lambda level, comp, msg: lines.append((level, comp, msg)))
    yield lines
    spdkrt.set_log_sink(None)


def examples_dir():
    return os.environ.get("SPDKRT_PY_EXAMPLES") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "examples")


def run_python(code, *args, timeout=120):
    """Runs code in a child Python (a second environment needs a second process)."""
    import subprocess
    return subprocess.run([sys.executable, "-B", "-c", code] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=timeout)
