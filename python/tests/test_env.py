# SPDX-License-Identifier: BSD-3-Clause
"""The environment and DMA memory."""
import errno
import gc

import pytest

import spdkrt


def test_env_is_initialised_once(env):
    assert spdkrt.env_is_initialized()
    with pytest.raises(spdkrt.SpdkrtError) as e:
        spdkrt.env_init(no_huge=True)
    assert e.value.errno == errno.EALREADY


def test_dma_buffer(env):
    with spdkrt.DmaBuffer(1 << 16, 4096) as buf:
        assert buf.addr % 4096 == 0
        assert buf.iova != 2**64 - 1
        buf.write(b"spdkrt", 100)
        assert buf.read(6, 100) == b"spdkrt"
        with pytest.raises(ValueError):
            buf.write(b"x" * 10, (1 << 16) - 5)
    assert buf.addr is None
    buf.free()  # twice is harmless


def test_dma_buffer_freed_by_the_collector(env):
    import weakref
    buf = spdkrt.DmaBuffer(4096)
    fin = buf._fin
    del buf
    gc.collect()
    assert not fin.alive


def test_zero_size_buffer(env):
    with pytest.raises(ValueError):
        spdkrt.DmaBuffer(0)
