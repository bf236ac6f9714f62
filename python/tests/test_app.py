# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt_app_run() from Python, each in a child process (the environment initialises once per
process), and the bdevperf example."""
import os
import re
import sys

import pytest

from conftest import examples_dir, run_python

APP = r"""
import sys
import spdkrt
def start():
    spdkrt.Bdev.create("malloc:name=AppMalloc0,size_mb=4")
    spdkrt.app_stop(7)
rc = spdkrt.app_run(start, no_huge=True, name="pytest_app")
sys.exit(0 if rc == 7 else 10 + rc)
"""

APP_RAISES = r"""
import spdkrt
def start():
    raise KeyError("raised in start")
try:
    spdkrt.app_run(start, no_huge=True, name="pytest_app_raise")
except KeyError as e:
    print("caught", e)
"""


def test_app_run_returns_the_stop_code():
    p = run_python(APP)
    assert p.returncode == 0, p.stdout


def test_exception_in_start_propagates_out_of_app_run():
    p = run_python(APP_RAISES)
    assert p.returncode == 0 and "caught 'raised in start'" in p.stdout, p.stdout


def test_bdevperf_example():
    script = os.path.join(examples_dir(), "bdevperf.py")
    if not os.path.exists(script):
        pytest.skip("examples/bdevperf.py not found (SPDKRT_PY_EXAMPLES)")
    p = run_python(open(script).read(), "-q", "16", "-o", "4096", "-w", "verify", "-t", "0.5",
                   "-b", "malloc:name=Perf0,size_mb=16")
    assert p.returncode == 0, p.stdout
    m = re.search(r"IOPS\s+([0-9.]+)", p.stdout)
    assert m and float(m.group(1)) > 0, p.stdout
