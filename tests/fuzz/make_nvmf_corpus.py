#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of tests/fuzz/nvmf_fuzz.c: byte streams a host could send on one
connection (valid sessions to start from, and a few broken ones). Run from the top of the tree:
python3 tests/fuzz/make_nvmf_corpus.py; the files are committed."""
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(__file__), "corpus", "nvmf")
NQN = b"nqn.2016-06.io.spdk:fuzz"
HOSTNQN = b"nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-1111-2222-3333-444444444444"
HOSTID = b"\x5a" * 16  # the harness's admin host uses the same id
CNTLID = 1


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


class Stream:
    def __init__(self, digests=False):
        self.out = b""
        self.hd = digests
        self.dd = digests
        self.cid = 0
        self.free = list(range(128))  # the target's request slots, in the order it takes them
        self.out += self.icreq(3 if digests else 0)

    @staticmethod
    def icreq(dgst):
        return struct.pack("<BBBBIHBBI", 0, 0, 128, 0, 128, 0, 0, dgst, 0) + bytes(112)

    def pdu(self, ptype, flags, hdr_rest, data=b""):
        hlen = 8 + len(hdr_rest)
        hd = 4 if self.hd else 0
        dd = 4 if (self.dd and data) else 0
        flags |= (1 if hd else 0) | (2 if dd else 0)
        pdo = hlen + hd if data else 0
        plen = hlen + hd + len(data) + dd
        hdr = struct.pack("<BBBBI", ptype, flags, hlen, pdo, plen) + hdr_rest
        out = hdr
        if hd:
            out += struct.pack("<I", crc32c(hdr))
        out += data
        if dd:
            out += struct.pack("<I", crc32c(data))
        return out

    def capsule(self, opc, nsid=0, cdw=(0,) * 6, data=b"", icd=True, xfer=0, fabrics=None):
        """A command; returns the request slot (ttag) the target gives it."""
        cid = self.cid
        self.cid += 1
        if data and icd:
            sgl = struct.pack("<QI3sB", 0, len(data), b"\0\0\0", 0x01)
        elif data or xfer:
            sgl = struct.pack("<QI3sB", 0, len(data) or xfer, b"\0\0\0", 0x5A)
        else:
            sgl = bytes(16)
        if fabrics is not None:
            sqe = struct.pack("<BBHB19s", 0x7F, 0x40, cid, fabrics[0], b"\0" * 19) + sgl
            sqe += fabrics[1].ljust(24, b"\0")
        else:
            sqe = struct.pack("<BBHIIIQ", opc, 0x40, cid, nsid, 0, 0, 0) + sgl
            sqe += struct.pack("<6I", *cdw)
        assert len(sqe) == 64
        self.out += self.pdu(4, 0, sqe, data if icd else b"")
        return cid

    def take_slot(self):
        return self.free.pop(0)

    def done(self, slot):
        self.free.append(slot)

    def connect(self, qid, sqsize, cntlid):
        data = HOSTID + struct.pack("<H", cntlid) + bytes(238)
        data += NQN.ljust(256, b"\0") + HOSTNQN.ljust(256, b"\0") + bytes(256)
        slot = self.take_slot()
        self.capsule(0x7F, data=data, fabrics=(0x01, struct.pack("<HHHBBI", 0, qid, sqsize, 0, 0, 0)))
        self.done(slot)

    def simple(self, opc, nsid=0, cdw=(0,) * 6, data=b"", icd=True, xfer=0, fabrics=None):
        slot = self.take_slot()
        cid = self.capsule(opc, nsid, cdw, data, icd, xfer, fabrics)
        self.done(slot)
        return cid

    def r2t_write(self, nsid, slba, data, chunk=4096):
        slot = self.take_slot()
        nlb = len(data) // 512
        cid = self.capsule(0x01, nsid, (slba, 0, nlb - 1, 0, 0, 0), data, icd=False)
        for off in range(0, len(data), chunk):
            last = 4 if off + chunk >= len(data) else 0
            part = data[off:off + chunk]
            hdr = struct.pack("<HHIII", cid, slot, off, len(part), 0)
            self.out += self.pdu(6, last, hdr, part)
        self.done(slot)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def admin_session(digests):
    s = Stream(digests)
    s.connect(0, 31, 0xFFFF)
    s.simple(0, fabrics=(0x04, struct.pack("<B3xIQ", 1, 0x00, 0)))  # Property Get CAP
    s.simple(0, fabrics=(0x00, struct.pack("<B3xIQ", 0, 0x14, 0x460001)))  # Property Set CC.EN
    s.simple(0x06, 0, (1, 0, 0, 0, 0, 0), xfer=4096)  # Identify controller
    s.simple(0x06, 1, (0, 0, 0, 0, 0, 0), xfer=4096)  # Identify namespace 1
    s.simple(0x06, 0, (2, 0, 0, 0, 0, 0), xfer=4096)  # active namespace list
    s.simple(0x09, 0, (0x07, 0x000F000F, 0, 0, 0, 0))  # Set Features number of queues
    s.simple(0x02, 0, (0x02 | (127 << 16), 0, 0, 0, 0, 0), xfer=512)  # SMART log
    s.simple(0x18)  # Keep Alive
    s.simple(0x0C)  # AER (stays outstanding)
    return s.out


def io_session(digests):
    s = Stream(digests)
    s.connect(1, 31, CNTLID)
    s.simple(0x01, 1, (0, 0, 7, 0, 0, 0), data=bytes(range(256)) * 16)  # in-capsule write
    s.r2t_write(1, 64, bytes(range(256)) * 64, chunk=8192)  # R2T write of 16 KiB
    s.simple(0x02, 1, (0, 0, 7, 0, 0, 0), xfer=4096)  # read
    s.simple(0x05, 1, (0, 0, 7, 0, 0, 0), data=bytes(range(256)) * 16)  # compare
    s.simple(0x08, 1, (8, 0, 7, 0, 0, 0))  # write zeroes
    s.simple(0x09, 1, (0, 1 << 2, 0, 0, 0, 0), data=struct.pack("<IIQ", 0, 8, 100))  # DSM
    s.simple(0x00, 1)  # flush
    s.simple(0x02, 1, (4000, 0, 200, 0, 0, 0), xfer=201 * 512)  # past the end
    s.simple(0x02, 7, (0, 0, 0, 0, 0, 0), xfer=512)  # no such namespace
    return s.out


def main():
    os.makedirs(OUT, exist_ok=True)
    write("icreq", Stream().out)
    write("icreq-digests", Stream(True).out)
    write("admin-session", admin_session(False))
    write("admin-session-digests", admin_session(True))
    write("io-session", io_session(False))
    write("io-session-digests", io_session(True))
    s = Stream()
    s.simple(0x06, 0, (1, 0, 0, 0, 0, 0), xfer=4096)  # Identify before Connect
    write("before-connect", s.out)
    s = Stream()
    s.connect(1, 31, CNTLID)
    s.out += struct.pack("<BBBBIHHIII", 6, 4, 24, 24, 40, 0, 5, 0, 16, 0) + bytes(16)
    write("stray-h2cdata", s.out)
    write("capsule-first", Stream().pdu(4, 0, bytes(64)))
    write("termreq", Stream().out + struct.pack("<BBBBIHI10x", 2, 0, 24, 0, 24, 1, 0))


if __name__ == "__main__":
    main()
