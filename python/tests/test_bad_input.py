# SPDX-License-Identifier: BSD-3-Clause
"""Wrong types and values raise TypeError, ValueError or SpdkrtError: never a crash of the
interpreter, a heap overflow, or a write through an immutable object or a made-up address."""
import pytest

import spdkrt

KEY1 = "00112233445566778899aabbccddeeff"
KEY2 = "ffeeddccbbaa99887766554433221100"


@pytest.mark.parametrize("kwargs", [{"core_mask": 5}, {"name": 5}, {"file_prefix": 5},
                                    {"hugepage_dir": 1.5}, {"eal_args": [7]}])
def test_int_where_a_string_is_expected(env, kwargs):
    # before: a c_char_p field set to an int was taken as an address (segfault)
    with pytest.raises(TypeError):
        spdkrt.env_init(no_huge=True, **kwargs)


def test_io_buffers_are_checked(thread, malloc):
    bs = malloc.block_size
    with spdkrt.Desc.open(malloc.name, write=True) as desc, desc.get_io_channel() as ch, \
            spdkrt.DmaBuffer(bs, malloc.buf_align) as small:
        done = []
        with pytest.raises(ValueError):  # before: a heap overflow of 63 blocks
            desc.read_blocks(ch, small, 0, 64, done.append)
        for wrong in (b"\0" * (64 * bs), "x" * 512, 0x1000, None):
            with pytest.raises(TypeError):  # before: written through, or a segfault
                desc.read_blocks(ch, wrong, 0, 1, done.append)
        with pytest.raises(ValueError):  # before: truncated to 64 bits, block 5 written
            desc.write_blocks(ch, small, 2 ** 64 + 5, 1, done.append)
        with pytest.raises(ValueError):
            desc.write_zeroes_blocks(ch, -1, 1, done.append)
        with pytest.raises(TypeError):
            desc.unmap_blocks(ch, "0", 1, done.append)
        with pytest.raises(ValueError):
            desc.readv_blocks(ch, [(small, 0, bs + 1)], 0, 1, done.append)
        with pytest.raises(TypeError):
            desc.readv_blocks(ch, [(0x1000, 0, bs)], 0, 1, done.append)
        thread.poll()
        assert not done


def test_destroyed_bdev_is_dead(thread):
    bdev = spdkrt.Bdev.create("malloc:name=PyDead,size_mb=1")
    bdev.destroy()
    # before: the raw pointer was kept and .name read freed memory
    assert bdev.handle is None and bdev.name == "" and bdev.num_blocks == 0


def test_failed_crypto_create_shows_no_key(thread, malloc, log_lines):
    spec = "crypto:name=C,base=Nosuch,cipher=AES_XTS,key=%s, key2=%s" % (KEY1, KEY2)
    with pytest.raises(spdkrt.SpdkrtError) as e:
        spdkrt.Bdev.create(spec)
    shown = str(e.value) + "".join(m for _, _, m in log_lines)
    assert KEY1[:17] not in shown and KEY2[:17] not in shown
