# SPDX-License-Identifier: BSD-3-Clause
"""A small blocking NVMe/TCP host for the target's tests, written from the NVMe/TCP transport
specification: ICReq, Fabrics Connect and Property Get/Set, and commands with in-capsule write
data or C2HData read data (no digests, no R2T). It runs on its own Python thread while the
test's thread polls the target (ctypes releases the GIL during each C call)."""
import socket
import struct
from typing import Optional, Tuple

# PDU types and flags
ICREQ, ICRESP, C2H_TERM_REQ, CAPSULE_CMD, CAPSULE_RESP, C2H_DATA = 0x00, 0x01, 0x03, 0x04, \
    0x05, 0x07
FLAG_SUCCESS = 0x08
# Fabrics
OPC_FABRIC, FCTYPE_PROPERTY_SET, FCTYPE_CONNECT, FCTYPE_PROPERTY_GET = 0x7F, 0x00, 0x01, 0x04
REG_CAP, REG_CC, REG_CSTS = 0x00, 0x14, 0x1C
# SGL descriptor identifiers (type << 4 | subtype) and CDW0 PSDT "SGL, MPTR contiguous"
SGL_DATA_BLOCK_OFFSET = 0x01
SGL_TRANSPORT_DATA_BLOCK = 0x5A
PSDT_SGL = 0x40
HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:0c0c0c0c-1111-2222-3333-555555555555"


class Cpl:
    def __init__(self, raw: bytes):
        self.cdw0, self.cdw1, self.sqhd, self.sqid, self.cid, self.status = \
            struct.unpack("<IIHHHH", raw)
        self.sc = (self.status >> 1) & 0xFF
        self.sct = (self.status >> 9) & 0x7

    @property
    def ok(self) -> bool:
        return self.sc == 0 and self.sct == 0


class TcpHost:
    """One NVMe/TCP connection: the admin queue (qid 0) or an I/O queue."""

    def __init__(self, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.cid = 0
        self.cntlid = 0xFFFF
        hdr = struct.pack("<BBBBIHBBI", ICREQ, 0, 128, 0, 128, 0, 0, 0, 0) + bytes(112)
        self.sock.sendall(hdr)
        resp = self._recv(128)
        if resp[0] != ICRESP:
            raise ConnectionError("expected ICResp, got PDU type %#x" % resp[0])

    def close(self) -> None:
        self.sock.close()

    def _recv(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("the target closed the connection")
            out += chunk
        return out

    def command(self, sqe: bytearray, data: bytes = b"",
                read_length: int = 0) -> Tuple[Cpl, bytes]:
        """Send a 64-byte command (cid, PSDT and SGL1 filled in here) with in-capsule data, or
        receive read_length bytes; returns the completion and the data read."""
        self.cid = (self.cid + 1) & 0xFFFF
        struct.pack_into("<BH", sqe, 1, PSDT_SGL, self.cid)
        if data:
            struct.pack_into("<QIxxxB", sqe, 24, 0, len(data), SGL_DATA_BLOCK_OFFSET)
        elif read_length:
            struct.pack_into("<QIxxxB", sqe, 24, 0, read_length, SGL_TRANSPORT_DATA_BLOCK)
        hlen = 72
        pdo = hlen if data else 0
        self.sock.sendall(struct.pack("<BBBBI", CAPSULE_CMD, 0, hlen, pdo, hlen + len(data)) +
                          bytes(sqe) + data)
        rdata = bytearray(read_length)
        while True:
            ch = self._recv(8)
            ptype, flags, phlen, _pdo, _plen = struct.unpack("<BBBBI", ch)
            rest = self._recv(phlen - 8)
            if ptype == CAPSULE_RESP:
                cpl = Cpl(rest[:16])
                if cpl.cid != self.cid:
                    raise ConnectionError("completion for cid %d, expected %d"
                                          % (cpl.cid, self.cid))
                return cpl, bytes(rdata)
            if ptype == C2H_DATA:
                _cccid, _ttag, datao, datal = struct.unpack_from("<HHII", rest, 0)
                rdata[datao:datao + datal] = self._recv(datal)  # ICReq asked for no padding
                if flags & FLAG_SUCCESS:
                    return Cpl(struct.pack("<IIHHHH", 0, 0, 0, 0, self.cid, 0)), bytes(rdata)
                continue
            if ptype == C2H_TERM_REQ:
                raise ConnectionError("the target terminated the connection (C2HTermReq)")
            raise ConnectionError("unexpected PDU type %#x" % ptype)

    def connect(self, subnqn: str, qid: int = 0, sqsize: int = 31,
                cntlid: int = 0xFFFF) -> Cpl:
        sqe = bytearray(64)
        struct.pack_into("<B", sqe, 0, OPC_FABRIC)
        struct.pack_into("<B", sqe, 4, FCTYPE_CONNECT)
        struct.pack_into("<HHHBxI", sqe, 40, 0, qid, sqsize, 0, 0 if qid else 30000)
        cdata = bytearray(1024)
        cdata[0:16] = b"\x5a" * 16
        struct.pack_into("<H", cdata, 16, cntlid)
        cdata[256:256 + len(subnqn)] = subnqn.encode()
        cdata[512:512 + len(HOSTNQN)] = HOSTNQN.encode()
        cpl, _ = self.command(sqe, bytes(cdata))
        if cpl.ok and qid == 0:
            self.cntlid = cpl.cdw0 & 0xFFFF
        return cpl

    def property_get(self, offset: int, eight: bool = False) -> int:
        sqe = bytearray(64)
        struct.pack_into("<B", sqe, 0, OPC_FABRIC)
        struct.pack_into("<B", sqe, 4, FCTYPE_PROPERTY_GET)
        struct.pack_into("<BxxxI", sqe, 40, 1 if eight else 0, offset)
        cpl, _ = self.command(sqe)
        if not cpl.ok:
            raise ConnectionError("Property Get %#x failed: sct %d sc %#x"
                                  % (offset, cpl.sct, cpl.sc))
        return cpl.cdw0 | cpl.cdw1 << 32

    def property_set(self, offset: int, value: int) -> None:
        sqe = bytearray(64)
        struct.pack_into("<B", sqe, 0, OPC_FABRIC)
        struct.pack_into("<B", sqe, 4, FCTYPE_PROPERTY_SET)
        struct.pack_into("<BxxxIQ", sqe, 40, 0, offset, value)
        cpl, _ = self.command(sqe)
        if not cpl.ok:
            raise ConnectionError("Property Set %#x failed" % offset)

    def enable(self) -> None:
        """CC.EN = 1 with 64-byte SQ and 16-byte CQ entries; then CSTS.RDY must be 1."""
        self.property_set(REG_CC, 1 | 6 << 16 | 4 << 20)
        if not self.property_get(REG_CSTS) & 1:
            raise ConnectionError("CSTS.RDY is 0 after CC.EN = 1")

    def admin(self, opc: int, nsid: int = 0, cdw10: int = 0,
              read_length: int = 0) -> Tuple[Cpl, bytes]:
        sqe = bytearray(64)
        struct.pack_into("<BxxxI", sqe, 0, opc, nsid)
        struct.pack_into("<I", sqe, 40, cdw10)
        return self.command(sqe, read_length=read_length)

    def rw(self, opc: int, nsid: int, lba: int, blocks: int, data: bytes = b"",
           read_length: int = 0) -> Tuple[Cpl, bytes]:
        sqe = bytearray(64)
        struct.pack_into("<BxxxI", sqe, 0, opc, nsid)
        struct.pack_into("<QI", sqe, 40, lba, blocks - 1)
        return self.command(sqe, data, read_length)


def attach(port: int, subnqn: str, io_queue: bool = True) -> Tuple[TcpHost, Optional[TcpHost]]:
    """An enabled controller's admin connection and, when asked, one I/O queue (qid 1)."""
    admin = TcpHost(port)
    cpl = admin.connect(subnqn)
    if not cpl.ok:
        admin.close()
        raise PermissionError("Connect refused: sct %d sc %#x" % (cpl.sct, cpl.sc))
    admin.enable()
    if not io_queue:
        return admin, None
    io = TcpHost(port)
    cpl = io.connect(subnqn, qid=1, cntlid=admin.cntlid)
    if not cpl.ok:
        raise PermissionError("I/O queue Connect refused: sct %d sc %#x" % (cpl.sct, cpl.sc))
    return admin, io
