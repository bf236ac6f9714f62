#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the ctypes binding spdkrt.py against a real libspdkrt.so.1 (the installed package, or
the build tree's through SPDKRT_LIBRARY): version and logging, the environment without hugepages,
threads polled from Python, DMA buffers, and a malloc bdev written, read back and verified with
completion callbacks driven by Thread.poll(), including I/O chained from the callbacks.

Usage: test_spdkrt.py [--expect-version X.Y.Z] [--layout FILE]
  --layout FILE  compare the binding's structure layouts with "struct field offset" and
                 "struct sizeof size" lines printed by a C program (tests/abi/layout.c)
Prints PASS/FAIL/SKIP lines and "N passed, N failed"; exits 1 when a test failed.
"""
import argparse
import ctypes
import errno
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spdkrt  # noqa: E402

results = {"passed": 0, "failed": 0, "skipped": 0}


class Skip(Exception):
    pass


def run(name, fn, *args):
    try:
        fn(*args)
    except Skip as e:
        results["skipped"] += 1
        print("SKIP: %s: %s" % (name, e))
        return False
    except Exception as e:  # report and go on with the next test
        results["failed"] += 1
        print("FAIL: %s: %s: %s" % (name, type(e).__name__, e))
        return False
    results["passed"] += 1
    print("PASS: %s" % name)
    return True


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def expect_error(code, fn, *args, **kwargs):
    """Calls fn, which must fail with -code; returns the log lines it produced (they are kept off
    stderr: these errors are expected)."""
    lines = []
    spdkrt.set_log_sink(lambda level, comp, msg: lines.append((level, comp, msg)))
    try:
        fn(*args, **kwargs)
    except spdkrt.SpdkrtError as e:
        check(e.errno == code, "expected %s, got %s" % (errno.errorcode[code], e))
        return lines
    finally:
        spdkrt.set_log_sink(None)
    raise AssertionError("expected %s, got success" % errno.errorcode[code])


def test_version(expected):
    v = spdkrt.version()
    check(re.match(r"^\d+\.\d+\.\d+$", v), "version %r is not MAJOR.MINOR.PATCH" % v)
    if expected:
        check(v == expected, "library version %s, expected %s" % (v, expected))


def test_layout(path):
    structs = {"spdkrt_env_opts": spdkrt.EnvOpts, "spdkrt_app_opts": spdkrt.AppOpts,
               "spdkrt_bdev_stats": spdkrt.BdevStats}
    seen = 0
    for line in open(path):
        struct, field, value = line.split()
        cls = structs.get(struct)
        if cls is None:
            continue
        if field == "sizeof":
            check(ctypes.sizeof(cls) <= int(value),
                  "%s: the binding's size %d exceeds C's %s" % (struct, ctypes.sizeof(cls), value))
            if ctypes.sizeof(cls) != int(value):
                print("note: %s has grown in C (%s bytes, binding %d): the binding uses a prefix"
                      % (struct, value, ctypes.sizeof(cls)))
            continue
        desc = getattr(cls, field, None)
        if desc is None:
            continue  # a field the binding does not know yet (appended later)
        check(desc.offset == int(value), "%s.%s at offset %d in the binding, %s in C"
              % (struct, field, desc.offset, value))
        seen += 1
    check(seen > 10, "too few fields compared (%d): is %s right?" % (seen, path))


def test_logging():
    old = spdkrt.get_log_level()
    spdkrt.set_log_level("debug")
    check(spdkrt.get_log_level() == "debug", "log level not set")
    spdkrt.set_log_level(old)
    expect_error(errno.EINVAL, spdkrt.set_log_level, 99)
    check(spdkrt.strerror(-errno.EINVAL), "empty strerror")


def test_env():
    spdkrt.env_init(no_huge=True, name="test_spdkrt_py")
    check(spdkrt.env_is_initialized(), "env not initialised")
    expect_error(errno.EALREADY, spdkrt.env_init, no_huge=True)


def test_dma():
    with spdkrt.DmaBuffer(1 << 16, 4096) as buf:
        check(buf.addr % 4096 == 0, "buffer not aligned")
        check(buf.iova != 2**64 - 1, "no IOVA for a DMA buffer")
        buf.write(b"spdkrt", 100)
        check(buf.read(6, 100) == b"spdkrt", "DMA buffer read back wrong bytes")


def test_thread_msgs(thread):
    ran = []
    thread.send_msg(lambda: ran.append(1))
    thread.send_msg(lambda: ran.append(2))
    check(not ran, "a message ran before any poll")
    thread.poll_until(lambda: len(ran) == 2)
    check(ran == [1, 2], "messages ran out of order: %r" % ran)


def test_bdev_io(thread):
    if not spdkrt.lib().has("spdkrt_bdev_create"):
        raise Skip("the loaded libspdkrt does not export spdkrt_bdev_create yet")
    expect_error(errno.ENODEV, spdkrt.Bdev.create, "nosuchmodule:name=X,size_mb=1")
    lines = expect_error(errno.EINVAL, spdkrt.Bdev.create, "malloc:name=Bad,size_mb=oops")
    check(any(level == "error" for level, _, _ in lines),
          "the log sink received no error line for a bad spec: %r" % lines)

    bdev = spdkrt.Bdev.create("malloc:name=PyMalloc0,size_mb=8")
    check(bdev.name == "PyMalloc0", "name %r" % bdev.name)
    check(bdev.module_name == "malloc", "module %r" % bdev.module_name)
    bs = bdev.block_size
    check(bs == 512 and bdev.num_blocks == 8 * 1024 * 1024 // bs,
          "geometry %d x %d" % (bs, bdev.num_blocks))
    expect_error(errno.EEXIST, spdkrt.Bdev.create, "malloc:name=PyMalloc0,size_mb=1")

    desc = spdkrt.Desc.open("PyMalloc0", write=True)
    ch = desc.get_io_channel()
    nblocks = 64
    wbuf = spdkrt.DmaBuffer(nblocks * bs, bdev.buf_align)
    rbuf = spdkrt.DmaBuffer(nblocks * bs, bdev.buf_align)
    pattern = bytes((i * 7 + 3) & 0xFF for i in range(nblocks * bs))
    wbuf.write(pattern)
    try:
        # One write, then a read of the same blocks: callbacks only from poll().
        done = []
        in_submit = [True]
        desc.write_blocks(ch, wbuf, 100, nblocks, lambda st: done.append((st, in_submit[0])))
        in_submit[0] = False
        check(not done, "completion callback ran inside the submit call")
        thread.poll_until(lambda: done)
        check(done == [(0, False)], "write completion %r" % done)
        done.clear()
        desc.read_blocks(ch, rbuf, 100, nblocks, done.append)
        thread.poll_until(lambda: done)
        check(done == [0], "read status %r" % done)
        check(rbuf.read() == pattern, "data read back differs from data written")

        # 256 one-block writes, each submitted from the previous one's callback.
        count = 256
        state = {"next": 0, "errors": 0}
        one = spdkrt.DmaBuffer(bs, bdev.buf_align)

        def submit_next():
            i = state["next"]
            one.write(bytes([i & 0xFF]) * bs)
            desc.write_blocks(ch, one, 1000 + i, 1, completed)

        def completed(status):
            if status != 0:
                state["errors"] += 1
            state["next"] += 1
            if state["next"] < count:
                submit_next()

        submit_next()
        thread.poll_until(lambda: state["next"] == count)
        check(state["errors"] == 0, "%d chained writes failed" % state["errors"])
        one.free()
        big = spdkrt.DmaBuffer(count * bs, bdev.buf_align)
        done.clear()
        desc.read_blocks(ch, big, 1000, count, done.append)
        thread.poll_until(lambda: done)
        data = big.read()
        big.free()
        check(done == [0], "read status %r" % done)
        bad = [i for i in range(count) if data[i * bs:(i + 1) * bs] != bytes([i & 0xFF]) * bs]
        check(not bad, "chained writes: %d blocks differ (first: %d)" % (len(bad), bad[:1] or -1))

        expect_error(errno.EINVAL, desc.read_blocks, ch, rbuf, bdev.num_blocks, 1, done.append)
        stats = bdev.stats().as_dict()
        check(stats["write"]["ops"] >= 1 + count and stats["read"]["ops"] >= 2,
              "stats %r" % stats)
    finally:
        wbuf.free()
        rbuf.free()
        ch.put()
        desc.close()
    destroyed = []
    spdkrt.Bdev.destroy("PyMalloc0", destroyed.append)
    thread.poll_until(lambda: destroyed)
    check(destroyed == [0], "destroy status %r" % destroyed)
    check(spdkrt.Bdev.get("PyMalloc0") is None, "bdev still registered after destroy")


APP_SCRIPT = r"""
import sys
sys.path.insert(0, sys.argv[1])
import spdkrt
def start():
    spdkrt.app_stop(7)
rc = spdkrt.app_run(start, no_huge=True, name="test_spdkrt_app")
print("app_run returned", rc)
sys.exit(0 if rc == 7 else 1)
"""


def test_app_run():
    if not spdkrt.lib().has("spdkrt_app_run"):
        raise Skip("the loaded libspdkrt does not export spdkrt_app_run yet")
    # The environment initialises once per process: the app runs in a child.
    p = subprocess.run([sys.executable, "-c", APP_SCRIPT, os.path.dirname(spdkrt.__file__)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=60)
    check(p.returncode == 0, "child failed (%d): %s" % (p.returncode, p.stdout.strip()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expect-version")
    ap.add_argument("--layout")
    args = ap.parse_args()

    print("library: %s" % spdkrt.load().path)
    run("version", test_version, args.expect_version)
    if args.layout:
        run("structure layouts match the C headers", test_layout, args.layout)
    run("log level, log sink, strerror", test_logging)
    if run("env_init without hugepages", test_env):
        run("DMA buffer", test_dma)
        thread = spdkrt.Thread("py_test")
        thread.set_current()
        run("thread messages", test_thread_msgs, thread)
        run("malloc bdev write/read/verify via callbacks from poll", test_bdev_io, thread)
        run("thread exit and destroy", thread.close)
        spdkrt.env_fini()
    run("app_run in a child process", test_app_run)
    print("%d passed, %d failed%s" % (results["passed"], results["failed"],
                                      ", %d skipped" % results["skipped"]
                                      if results["skipped"] else ""))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
