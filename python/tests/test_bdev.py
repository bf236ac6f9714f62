# SPDX-License-Identifier: BSD-3-Clause
"""Block devices through the binding: errors, the full asynchronous I/O set with callbacks that
run from poll() (never inside the submit), synchronous read/write, finalizers, io_wait."""
import errno
import gc
import os
import tempfile

import pytest

import spdkrt


def expect(code, fn, *args, **kwargs):
    with pytest.raises(spdkrt.SpdkrtError) as e:
        fn(*args, **kwargs)
    assert e.value.errno == code, str(e.value)
    return e.value


def test_create_errors(thread, log_lines):
    expect(errno.ENODEV, spdkrt.Bdev.create, "nosuchmodule:name=X,size_mb=1")
    del log_lines[:]
    expect(errno.EINVAL, spdkrt.Bdev.create, "malloc:name=Bad,size_mb=oops")
    assert any(level == "error" for level, _, _ in log_lines), log_lines


def test_geometry_and_listing(malloc):
    assert malloc.module_name == "malloc"
    assert malloc.block_size == 512 and malloc.num_blocks == 8 * 2048
    assert malloc.size == 8 << 20
    assert malloc in list(spdkrt.bdevs())
    assert spdkrt.Bdev.get(malloc.name) == malloc
    assert malloc.io_type_supported(spdkrt.IO_WRITE_ZEROES)
    assert not malloc.is_claimed
    expect(errno.EEXIST, spdkrt.Bdev.create, "malloc:name=%s,size_mb=1" % malloc.name)


def test_async_write_then_read(thread, malloc):
    bs = malloc.block_size
    with spdkrt.Desc.open(malloc.name, write=True) as desc, desc.get_io_channel() as ch, \
            spdkrt.DmaBuffer(64 * bs, malloc.buf_align) as wbuf, \
            spdkrt.DmaBuffer(64 * bs, malloc.buf_align) as rbuf:
        pattern = bytes((i * 7 + 3) & 0xFF for i in range(64 * bs))
        wbuf.write(pattern)
        done = []
        in_submit = [True]
        desc.write_blocks(ch, wbuf, 100, 64, lambda st: done.append((st, in_submit[0])))
        in_submit[0] = False
        assert not done, "a completion ran inside the submit call"
        thread.poll_until(lambda: done)
        assert done == [(0, False)]
        done.clear()
        desc.read_blocks(ch, rbuf, 100, 64, done.append)
        thread.poll_until(lambda: done)
        assert done == [0] and rbuf.read() == pattern
        expect(errno.EINVAL, desc.read_blocks, ch, rbuf, malloc.num_blocks, 1, done.append)


def test_chained_writes_from_callbacks(thread, malloc):
    bs, count = malloc.block_size, 256
    state = {"next": 0, "errors": 0}
    with spdkrt.Desc.open(malloc.name, write=True) as desc, desc.get_io_channel() as ch, \
            spdkrt.DmaBuffer(bs, malloc.buf_align) as one:

        def submit_next():
            one.write(bytes([state["next"] & 0xFF]) * bs)
            desc.write_blocks(ch, one, 1000 + state["next"], 1, completed)

        def completed(status):
            state["errors"] += status != 0
            state["next"] += 1
            if state["next"] < count:
                submit_next()

        submit_next()
        thread.poll_until(lambda: state["next"] == count)
        assert state["errors"] == 0
        data = desc.read(1000 * bs, count * bs)
        assert all(data[i * bs:(i + 1) * bs] == bytes([i & 0xFF]) * bs for i in range(count))


def test_vectored_and_byte_forms(thread, malloc):
    bs = malloc.block_size
    with spdkrt.Desc.open(malloc.name, write=True) as desc, desc.get_io_channel() as ch, \
            spdkrt.DmaBuffer(4 * bs) as a, spdkrt.DmaBuffer(4 * bs) as b:
        a.write(b"A" * (4 * bs))
        b.write(b"B" * (4 * bs))
        done = []
        # Two whole buffers and a piece of one: 4 + 2 + 2 blocks.
        desc.writev_blocks(ch, [a, (b, 0, 2 * bs), (b, 2 * bs, 2 * bs)], 8, 8, done.append)
        thread.poll_until(lambda: done)
        assert done == [0]
        assert desc.read(8 * bs, 8 * bs) == b"A" * (4 * bs) + b"B" * (4 * bs)
        with spdkrt.DmaBuffer(bs) as r1, spdkrt.DmaBuffer(bs) as r2:
            done.clear()
            desc.readv_blocks(ch, [r1, r2], 11, 2, done.append)
            thread.poll_until(lambda: done)
            assert done == [0] and r1.read() == b"A" * bs and r2.read() == b"B" * bs
            done.clear()
            desc.write_bytes(ch, r2, 0, bs, done.append)
            thread.poll_until(lambda: done)
            done.clear()
            desc.read_bytes(ch, r1, 0, bs, done.append)
            thread.poll_until(lambda: done)
            assert done == [0] and r1.read() == b"B" * bs
            expect(errno.EINVAL, desc.read_bytes, ch, r1, 1, bs, done.append)


def test_zeroes_unmap_flush_reset(thread, malloc):
    bs = malloc.block_size
    with spdkrt.Desc.open(malloc.name, write=True) as desc:
        desc.write(0, b"\xff" * (16 * bs))
        desc.write_zeroes(4 * bs, 4 * bs)
        assert desc.read(0, 16 * bs) == b"\xff" * (4 * bs) + b"\0" * (4 * bs) + b"\xff" * (8 * bs)
        desc.unmap(8 * bs, 4 * bs)
        desc.flush()
        desc.reset_sync()
        expect(errno.EINVAL, desc.write_zeroes, 1, bs)
        stats = malloc.stats().as_dict()
        assert stats["write_zeroes"]["ops"] >= 1 and stats["unmap"]["ops"] >= 1
        assert stats["flush"]["ops"] >= 1 and stats["reset"]["ops"] >= 1


def test_sync_read_write_any_alignment(thread, malloc):
    with spdkrt.Desc.open(malloc.name, write=True) as desc:
        desc.write(0, b"\x01" * 4096)
        desc.write(10, b"hello")                 # inside one block
        desc.write(500, b"x" * 30)               # across a block boundary
        desc.write(1024 + 100, b"y" * 1500)      # partial first and last block
        data = desc.read(0, 4096)
        expected = bytearray(b"\x01" * 4096)
        expected[10:15] = b"hello"
        expected[500:530] = b"x" * 30
        expected[1124:2624] = b"y" * 1500
        assert data == bytes(expected)
        assert desc.read(511, 3) == bytes(expected[511:514])
        assert desc.read(0, 0) == b""
        expect(errno.EINVAL, desc.read, malloc.size - 1, 2)
        expect(errno.EINVAL, desc.write, -1, b"x")


def test_read_only_descriptor_refuses_writes(thread, malloc):
    with spdkrt.Desc.open(malloc.name, write=False) as desc:
        expect(errno.EBADF, desc.write, 0, b"\0" * 512)
        assert desc.read(0, 512) == b"\0" * 512


class Boom(Exception):
    pass


def test_exception_in_an_io_callback_comes_out_of_poll(thread, malloc):
    with spdkrt.Desc.open(malloc.name, write=True) as desc, desc.get_io_channel() as ch, \
            spdkrt.DmaBuffer(512) as buf:
        others = []

        def bad(status):
            raise Boom("status %d" % status)

        desc.read_blocks(ch, buf, 0, 1, bad)
        desc.read_blocks(ch, buf, 1, 1, others.append)
        with pytest.raises(Boom, match="status 0"):
            thread.poll_until(lambda: others)
        thread.poll_until(lambda: others)
        assert others == [0]


def test_sync_io_refused_inside_a_callback(thread, malloc):
    with spdkrt.Desc.open(malloc.name, write=True) as desc:
        thread.send_msg(lambda: desc.read(0, 512))
        with pytest.raises(RuntimeError, match="not from a callback"):
            thread.poll_until(lambda: False, timeout=5)


def test_forgotten_handles_are_released(thread, malloc):
    """A descriptor and channel dropped without close(): the collector releases them on their
    thread, so the bdev can be destroyed (destroy waits for every descriptor)."""
    desc = spdkrt.Desc.open(malloc.name, write=True)
    ch = desc.get_io_channel()
    desc.write(0, b"z" * 512)
    del desc, ch
    gc.collect()
    malloc.destroy()  # polls until done: would time out if the descriptor were still open
    assert spdkrt.Bdev.get("nothing") is None


def test_thread_close_releases_what_it_owns(env):
    t = spdkrt.Thread("owner")
    t.set_current()
    spdkrt.Bdev.create("malloc:name=Owned0,size_mb=1")
    desc = spdkrt.Desc.open("Owned0", write=True)
    desc.get_io_channel()
    desc.write(0, b"q" * 512)
    t.close()  # closes the channel and the descriptor first
    assert desc._fin.alive is False
    with spdkrt.Thread("cleanup"):
        spdkrt.Bdev.destroy_by_name("Owned0")


def test_channel_errno_instead_of_enomem(thread, malloc):
    with spdkrt.Desc.open(malloc.name) as desc:
        if not spdkrt.lib().has("spdkrt_bdev_get_io_channel_ext"):
            pytest.skip("the loaded library has no spdkrt_bdev_get_io_channel_ext")
        spdkrt.lib().spdkrt_set_thread(None)
        try:
            expect(errno.EINVAL, desc.get_io_channel)  # not on an spdkrt thread
        finally:
            thread.set_current()


def test_io_wait_after_enomem(thread):
    spdkrt.Bdev.create("null:name=PyNull0,size_mb=64,complete=poller")
    try:
        with spdkrt.Desc.open("PyNull0") as desc, desc.get_io_channel() as ch, \
                spdkrt.DmaBuffer(512) as buf:
            done = []
            submitted = 0
            with pytest.raises(spdkrt.SpdkrtError) as e:
                for i in range(1 << 20):
                    desc.read_blocks(ch, buf, i % 1024, 1, done.append)
                    submitted += 1
            assert e.value.errno == errno.ENOMEM and submitted > 0
            woke = []
            desc.queue_io_wait(ch, lambda: woke.append(len(done)))
            thread.poll_until(lambda: woke)
            assert woke[0] > 0  # called once an I/O object had come back
            thread.poll_until(lambda: len(done) == submitted)
            assert set(done) == {0}
    finally:
        spdkrt.Bdev.destroy_by_name("PyNull0")


def test_rescan_of_a_growing_file(thread):
    events = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "disk")
        with open(path, "wb") as f:
            f.truncate(1 << 20)
        bdev = spdkrt.Bdev.create("aio:name=PyAio0,filename=%s,block_size=512" % path)
        try:
            with spdkrt.Desc.open("PyAio0", write=True,
                                  on_event=lambda t, b: events.append(t)) as desc:
                desc.write(0, b"aio" * 100)
                assert desc.read(0, 300) == b"aio" * 100
                with open(path, "r+b") as f:
                    f.truncate(2 << 20)
                bdev.rescan()
                thread.poll_until(lambda: events)
                assert events == [spdkrt.EVENT_RESIZE]
                assert bdev.num_blocks == (2 << 20) // 512
        finally:
            bdev.destroy()
