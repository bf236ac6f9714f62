# SPDX-License-Identifier: BSD-3-Clause
"""Block devices: create, open, channels, the full I/O set (asynchronous, with callbacks that run
from Thread.poll()), and synchronous read()/write() for scripts."""
import ctypes
import errno
import weakref
from ctypes import byref, c_void_p
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

from . import _callbacks
from ._lib import (BDEV_DONE_CB, BDEV_EVENT_CB, BDEV_IO_CB, IO_WAIT_CB, BdevStats, IoWaitEntry,
                   b, lib, u64)
from .env import DmaBuffer, IovecLike, dma_addr as _addr, iovec_array
from .errors import SpdkrtError, check, redact_spec
from .thread import Thread, current_or_raise, run_on

# enum spdkrt_bdev_io_type
IO_READ, IO_WRITE, IO_UNMAP, IO_FLUSH, IO_RESET, IO_WRITE_ZEROES = range(6)
# enum spdkrt_bdev_event_type
EVENT_REMOVE, EVENT_RESIZE = 0, 1

IoCallback = Callable[[int], None]
Buffer = DmaBuffer

_IO_DONE = BDEV_IO_CB(lambda key, status: _callbacks.fire(key, status))
_IO_WAIT = IO_WAIT_CB(lambda key: _callbacks.fire(key))


class Bdev:
    """A block device (struct spdkrt_bdev *). The handle is valid until the bdev is destroyed."""

    def __init__(self, handle: int):
        if not handle:
            raise ValueError("NULL bdev")
        self.handle = handle

    def __repr__(self) -> str:
        return "<Bdev %s: %d x %d bytes, %s>" % (self.name, self.num_blocks, self.block_size,
                                                 self.module_name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bdev) and other.handle == self.handle

    def __hash__(self) -> int:
        return hash(self.handle)

    @classmethod
    def create(cls, spec: str) -> "Bdev":
        """spdkrt_bdev_create("malloc:name=Malloc0,size_mb=8") -> Bdev."""
        handle = c_void_p()
        rc = lib().spdkrt_bdev_create(b(spec), byref(handle))
        if rc < 0:
            check(rc, "spdkrt_bdev_create(%s)" % redact_spec(spec))
        return cls(handle.value)

    @classmethod
    def get(cls, name: str) -> Optional["Bdev"]:
        handle = lib().spdkrt_bdev_get_by_name(b(name))
        return cls(handle) if handle else None

    @staticmethod
    def destroy_by_name(name: str, callback: Optional[IoCallback] = None) -> None:
        """spdkrt_bdev_destroy(). With a callback, callback(status) runs from a later poll of
        the calling thread; without, this polls the current thread until the bdev is gone."""
        done: List[int] = []
        key = _callbacks.register(callback or done.append)
        rc = lib().spdkrt_bdev_destroy(b(name), _DESTROY_DONE, key)
        if rc < 0:
            _callbacks.unregister(key)
            check(rc, "spdkrt_bdev_destroy(%s)" % name)
        if callback is None:
            current_or_raise("Bdev.destroy() without a callback").poll_until(lambda: done)
            check(done[0], "spdkrt_bdev_destroy(%s)" % name)

    def destroy(self, callback: Optional[IoCallback] = None) -> None:
        """Destroy the bdev; this object is then dead (its getters give "" and 0, its handle
        None), never a read of freed memory."""
        self.destroy_by_name(self.name, callback)
        self.handle = None

    def rescan(self) -> None:
        """Measure the backing store again (aio, uring); open descriptors get a resize event."""
        check(lib().spdkrt_bdev_rescan(b(self.name)), "spdkrt_bdev_rescan(%s)" % self.name)

    name = property(lambda self: lib().spdkrt_bdev_get_name(self.handle).decode())
    product_name = property(lambda self: lib().spdkrt_bdev_get_product_name(self.handle).decode())
    module_name = property(lambda self: lib().spdkrt_bdev_get_module_name(self.handle).decode())
    block_size = property(lambda self: int(lib().spdkrt_bdev_get_block_size(self.handle)))
    num_blocks = property(lambda self: int(lib().spdkrt_bdev_get_num_blocks(self.handle)))
    buf_align = property(lambda self: int(lib().spdkrt_bdev_get_buf_align(self.handle)))
    optimal_io_boundary = property(
        lambda self: int(lib().spdkrt_bdev_get_optimal_io_boundary(self.handle)))
    write_unit_size = property(lambda self: int(lib().spdkrt_bdev_get_write_unit_size(self.handle)))
    max_io_blocks = property(lambda self: int(lib().spdkrt_bdev_get_max_io_blocks(self.handle)))
    is_claimed = property(lambda self: bool(lib().spdkrt_bdev_is_claimed(self.handle)))

    @property
    def size(self) -> int:
        """Size in bytes."""
        return self.num_blocks * self.block_size

    def io_type_supported(self, io_type: int) -> bool:
        return bool(lib().spdkrt_bdev_io_type_supported(self.handle, io_type))

    def stats(self) -> BdevStats:
        s = BdevStats()
        check(lib().spdkrt_bdev_get_stats(self.handle, byref(s), ctypes.sizeof(s)),
              "spdkrt_bdev_get_stats")
        return s


_DESTROY_DONE = BDEV_DONE_CB(lambda key, status: _callbacks.fire(key, status))


def bdevs() -> Iterator[Bdev]:
    """Every registered bdev, in creation order."""
    handle = lib().spdkrt_bdev_first()
    while handle:
        yield Bdev(handle)
        handle = lib().spdkrt_bdev_next(handle)


class Channel:
    """A thread's I/O channel of a bdev (struct spdkrt_io_channel *); released by close(), a
    with statement, the thread's close() or the garbage collector, on its own thread."""

    def __init__(self, handle: int, thread: Optional[Thread]):
        self.handle: Optional[int] = handle
        self.thread_handle = lib().spdkrt_io_channel_get_thread(handle)
        self._fin = weakref.finalize(self, run_on, self.thread_handle,
                                     lambda h=handle: lib().spdkrt_put_io_channel(h))
        if thread is not None:
            thread.own(self._fin)

    def stats(self) -> BdevStats:
        """This channel's statistics (call on its thread)."""
        s = BdevStats()
        check(lib().spdkrt_bdev_channel_get_stats(self.handle, byref(s), ctypes.sizeof(s)),
              "spdkrt_bdev_channel_get_stats")
        return s

    def close(self) -> None:
        if self.handle is not None:
            self.handle = None
            self._fin()

    put = close

    def __enter__(self) -> "Channel":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _close_desc(handle: int, channel: List[Channel]) -> None:
    for ch in channel:
        ch.close()
    lib().spdkrt_bdev_close(handle)


class Desc:
    """An open bdev descriptor (struct spdkrt_bdev_desc *), owned by the thread that opened it;
    closed by close(), a with statement, the thread's close() or the garbage collector."""

    def __init__(self, handle: int, event_fn: Any, thread: Optional[Thread]):
        self.handle: Optional[int] = handle
        self._event_fn = event_fn  # the C callback must live as long as the descriptor
        self._channel: List[Channel] = []  # the channel of read()/write(), made on first use
        self.removed = False
        channel = self._channel
        self._fin = weakref.finalize(self, run_on, lib().spdkrt_get_thread(),
                                     lambda: _close_desc(handle, channel))
        if thread is not None:
            thread.own(self._fin)

    @classmethod
    def open(cls, name: str, write: bool = False,
             on_event: Optional[Callable[[int, "Bdev"], None]] = None) -> "Desc":
        """Open on the current spdkrt thread. on_event(type, bdev) receives EVENT_REMOVE (close
        the descriptor then) and EVENT_RESIZE; without it, a removal sets .removed."""
        holder: List[Desc] = []

        def event(type_: int, bdev: int, _ctx: Any) -> None:
            if type_ == EVENT_REMOVE and holder:
                holder[0].removed = True
            if on_event is not None:
                _callbacks.guard(on_event, type_, Bdev(bdev))

        event_fn = BDEV_EVENT_CB(event)
        handle = c_void_p()
        check(lib().spdkrt_bdev_open(b(name), write, event_fn, None, byref(handle)),
              "spdkrt_bdev_open(%s)" % name)
        desc = cls(handle.value, event_fn, Thread.current())
        holder.append(desc)
        return desc

    @property
    def bdev(self) -> Bdev:
        return Bdev(lib().spdkrt_bdev_desc_get_bdev(self.handle))

    def get_io_channel(self) -> Channel:
        """The calling thread's channel (spdkrt_bdev_get_io_channel_ext: the errno on failure)."""
        if lib().has("spdkrt_bdev_get_io_channel_ext"):
            handle = c_void_p()
            check(lib().spdkrt_bdev_get_io_channel_ext(self.handle, byref(handle)),
                  "spdkrt_bdev_get_io_channel_ext")
            ch = handle.value
        else:  # an older library: NULL without a reason (the log has it)
            ch = lib().spdkrt_bdev_get_io_channel(self.handle)
            if not ch:
                raise SpdkrtError(-errno.ENOMEM, "spdkrt_bdev_get_io_channel (see the log)")
        return Channel(ch, Thread.current())

    # ---- asynchronous I/O: callback(status) runs later, from a poll of ch's thread ----

    def _submit(self, name: str, callback: IoCallback, keep: Any, *args: Any) -> None:
        key = _callbacks.register(callback, keep)
        rc = getattr(lib(), name)(self.handle, *args, _IO_DONE, key)
        if rc < 0:
            _callbacks.unregister(key)
            check(rc, name)

    def _blocks_buf(self, buf: Buffer, offset_blocks: int, num_blocks: int) -> int:
        u64("offset_blocks", offset_blocks)
        return _addr(buf, u64("num_blocks", num_blocks) * self.bdev.block_size)

    def read_blocks(self, ch: Channel, buf: Buffer, offset_blocks: int, num_blocks: int,
                    callback: IoCallback) -> None:
        addr = self._blocks_buf(buf, offset_blocks, num_blocks)
        self._submit("spdkrt_bdev_read_blocks", callback, buf, ch.handle, addr, offset_blocks,
                     num_blocks)

    def write_blocks(self, ch: Channel, buf: Buffer, offset_blocks: int, num_blocks: int,
                     callback: IoCallback) -> None:
        addr = self._blocks_buf(buf, offset_blocks, num_blocks)
        self._submit("spdkrt_bdev_write_blocks", callback, buf, ch.handle, addr, offset_blocks,
                     num_blocks)

    def read_bytes(self, ch: Channel, buf: Buffer, offset: int, nbytes: int,
                   callback: IoCallback) -> None:
        """spdkrt_bdev_read: offset and nbytes in bytes, multiples of the block size."""
        addr = _addr(buf, u64("nbytes", nbytes))
        self._submit("spdkrt_bdev_read", callback, buf, ch.handle, addr, u64("offset", offset),
                     nbytes)

    def write_bytes(self, ch: Channel, buf: Buffer, offset: int, nbytes: int,
                    callback: IoCallback) -> None:
        """spdkrt_bdev_write: offset and nbytes in bytes, multiples of the block size."""
        addr = _addr(buf, u64("nbytes", nbytes))
        self._submit("spdkrt_bdev_write", callback, buf, ch.handle, addr, u64("offset", offset),
                     nbytes)

    def readv_blocks(self, ch: Channel, iov: Sequence[IovecLike], offset_blocks: int,
                     num_blocks: int, callback: IoCallback) -> None:
        arr, keep = iovec_array(iov)
        self._submit("spdkrt_bdev_readv_blocks", callback, keep, ch.handle, arr, len(iov),
                     u64("offset_blocks", offset_blocks), u64("num_blocks", num_blocks))

    def writev_blocks(self, ch: Channel, iov: Sequence[IovecLike], offset_blocks: int,
                      num_blocks: int, callback: IoCallback) -> None:
        arr, keep = iovec_array(iov)
        self._submit("spdkrt_bdev_writev_blocks", callback, keep, ch.handle, arr, len(iov),
                     u64("offset_blocks", offset_blocks), u64("num_blocks", num_blocks))

    def write_zeroes_blocks(self, ch: Channel, offset_blocks: int, num_blocks: int,
                            callback: IoCallback) -> None:
        self._submit("spdkrt_bdev_write_zeroes_blocks", callback, None, ch.handle,
                     u64("offset_blocks", offset_blocks), u64("num_blocks", num_blocks))

    def unmap_blocks(self, ch: Channel, offset_blocks: int, num_blocks: int,
                     callback: IoCallback) -> None:
        self._submit("spdkrt_bdev_unmap_blocks", callback, None, ch.handle,
                     u64("offset_blocks", offset_blocks), u64("num_blocks", num_blocks))

    def flush_blocks(self, ch: Channel, offset_blocks: int, num_blocks: int,
                     callback: IoCallback) -> None:
        self._submit("spdkrt_bdev_flush_blocks", callback, None, ch.handle,
                     u64("offset_blocks", offset_blocks), u64("num_blocks", num_blocks))

    def reset(self, ch: Channel, callback: IoCallback) -> None:
        self._submit("spdkrt_bdev_reset", callback, None, ch.handle)

    def queue_io_wait(self, ch: Channel, fn: Callable[[], None]) -> None:
        """After a submission raised ENOMEM: fn() runs on ch's thread once an I/O object is
        free again (then resubmit)."""
        entry = IoWaitEntry()
        key = _callbacks.register(fn, entry)
        entry.cb_fn = _IO_WAIT
        entry.cb_arg = key
        rc = lib().spdkrt_bdev_queue_io_wait(self.bdev.handle, ch.handle, byref(entry))
        if rc < 0:
            _callbacks.unregister(key)
            check(rc, "spdkrt_bdev_queue_io_wait")

    # ---- synchronous I/O for scripts: poll the current thread until done ----

    def channel(self) -> Channel:
        """The descriptor's own channel on the current thread (made on first use)."""
        if not self._channel:
            self._channel.append(self.get_io_channel())
        return self._channel[0]

    def _wait(self, what: str, submit: Callable[[IoCallback], None],
              timeout: float = 30.0) -> None:
        t = current_or_raise(what)
        done: List[int] = []
        while True:
            try:
                submit(done.append)
                break
            except SpdkrtError as e:
                if e.errno != errno.ENOMEM:  # out of I/O objects: let some complete, retry
                    raise
                t.poll()
        t.poll_until(lambda: done, timeout)
        check(done[0], what)

    def _span(self, offset: int, length: int) -> Tuple[int, int]:
        bs = self.bdev.block_size
        if offset < 0 or length < 0 or offset + length > self.bdev.size:
            raise SpdkrtError(-errno.EINVAL, "%d bytes at offset %d are outside the %d-byte "
                              "bdev %s" % (length, offset, self.bdev.size, self.bdev.name))
        start = offset - offset % bs
        end = -(-(offset + length) // bs) * bs
        return start, end

    def read(self, offset: int, length: int) -> bytes:
        """Read length bytes at a byte offset (any alignment) and return them."""
        if length == 0:
            return b""
        start, end = self._span(offset, length)
        with DmaBuffer(end - start, self.bdev.buf_align) as buf:
            self._wait("read", lambda cb: self.read_bytes(self.channel(), buf, start,
                                                            end - start, cb))
            return buf.read(length, offset - start)

    def write(self, offset: int, data: bytes) -> None:
        """Write data at a byte offset; a partial first or last block is read, modified and
        written back."""
        if not data:
            return
        start, end = self._span(offset, len(data))
        bs = self.bdev.block_size
        with DmaBuffer(end - start, self.bdev.buf_align) as buf:
            head_read = offset != start
            if head_read:
                buf.write(self.read(start, bs))
            if (offset + len(data)) % bs and not (head_read and end - bs == start):
                buf.write(self.read(end - bs, bs), end - bs - start)
            buf.write(data, offset - start)
            self._wait("write", lambda cb: self.write_bytes(self.channel(), buf, start,
                                                              end - start, cb))

    def _wait_range(self, name: str, method: Callable[..., None], offset: int,
                    length: int) -> None:
        bs = self.bdev.block_size
        if offset % bs or length % bs:
            raise SpdkrtError(-errno.EINVAL, "%s: offset %d and length %d must be multiples of "
                              "the block size %d" % (name, offset, length, bs))
        self._wait(name, lambda cb: method(self.channel(), offset // bs, length // bs, cb))

    def write_zeroes(self, offset: int, length: int) -> None:
        self._wait_range("write_zeroes", self.write_zeroes_blocks, offset, length)

    def unmap(self, offset: int, length: int) -> None:
        self._wait_range("unmap", self.unmap_blocks, offset, length)

    def flush(self, offset: int = 0, length: Optional[int] = None) -> None:
        self._wait_range("flush", self.flush_blocks, offset,
                         self.bdev.size - offset if length is None else length)

    def reset_sync(self) -> None:
        self._wait("reset", lambda cb: self.reset(self.channel(), cb))

    def close(self) -> None:
        """Release the descriptor's own channel, then close it (on its thread)."""
        if self.handle is not None:
            self.handle = None
            self._fin()

    def __enter__(self) -> "Desc":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
