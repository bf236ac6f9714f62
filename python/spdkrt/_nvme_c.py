# SPDX-License-Identifier: BSD-3-Clause
"""The C types and prototypes of the NVMe driver (spdkrt/nvme.h, spdkrt/nvme_spec.h) and the
NVMe-oF target (spdkrt/nvmf.h) that nvme.py and nvmf.py call; added to _lib.PROTOS on import.

Identify data are mirrored up to their last field a user reads (a prefix of the 4096-byte
page); tests/abi/layout.c prints the C offsets and test_basics.py compares them.
"""
import ctypes
from ctypes import (CFUNCTYPE, POINTER, Structure, Union, c_bool, c_char, c_char_p, c_int,
                    c_int32, c_size_t, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)
from typing import Any, Dict, List, Tuple

from . import _lib

TRADDR_MAX = 257
TRSVCID_MAX = 33
NQN_MAX = 224
TLS_PSK_MAX = 128
TRTYPE_PCIE = 256
TRTYPE_TCP = 3


class TransportIdC(Structure):
    """struct spdkrt_nvme_transport_id."""
    _fields_ = [
        ("trtype", c_int),
        ("adrfam", c_int),
        ("traddr", c_char * TRADDR_MAX),
        ("trsvcid", c_char * TRSVCID_MAX),
        ("subnqn", c_char * NQN_MAX),
    ]


class CtrlrOpts(Structure):
    """struct spdkrt_nvme_ctrlr_opts."""
    _fields_ = [
        ("size", c_size_t),
        ("num_io_queues", c_uint32),
        ("io_queue_size", c_uint32),
        ("io_queue_requests", c_uint32),
        ("admin_queue_size", c_uint32),
        ("arb_mechanism", c_uint32),
        ("arb_high_weight", c_uint16),
        ("arb_medium_weight", c_uint16),
        ("arb_low_weight", c_uint16),
        ("arb_burst", c_uint8),
        ("use_cmb_sqs", c_bool),
        ("keep_alive_timeout_ms", c_uint32),
        ("retry_count", c_uint32),
        ("admin_timeout_us", c_uint64),
        ("shutdown_timeout_us", c_uint64),
        ("hostnqn", c_char * NQN_MAX),
        ("header_digest", c_bool),
        ("data_digest", c_bool),
        ("hostid", c_uint8 * 16),
        ("psk", c_char * TLS_PSK_MAX),
        ("reconnect_delay_ms", c_uint32),
        ("ctrlr_loss_timeout_ms", c_int32),
    ]


class IoQpairOpts(Structure):
    """struct spdkrt_nvme_io_qpair_opts."""
    _fields_ = [
        ("size", c_size_t),
        ("qprio", c_uint32),
        ("io_queue_size", c_uint32),
        ("io_queue_requests", c_uint32),
    ]


class SglDescriptor(Structure):
    """struct spdkrt_nvme_sgl_descriptor."""
    _fields_ = [("address", c_uint64), ("length", c_uint32), ("reserved", c_uint8 * 3),
                ("id", c_uint8)]


class PrpPair(Structure):
    """struct spdkrt_nvme_prp_pair."""
    _fields_ = [("prp1", c_uint64), ("prp2", c_uint64)]


class Dptr(Union):
    """union spdkrt_nvme_dptr."""
    _fields_ = [("prp", PrpPair), ("sgl1", SglDescriptor)]


class Cmd(Structure):
    """struct spdkrt_nvme_cmd: a 64-byte submission queue entry."""
    _fields_ = [
        ("opc", c_uint8),
        ("flags", c_uint8),
        ("cid", c_uint16),
        ("nsid", c_uint32),
        ("cdw2", c_uint32),
        ("cdw3", c_uint32),
        ("mptr", c_uint64),
        ("dptr", Dptr),
        ("cdw10", c_uint32),
        ("cdw11", c_uint32),
        ("cdw12", c_uint32),
        ("cdw13", c_uint32),
        ("cdw14", c_uint32),
        ("cdw15", c_uint32),
    ]


class Cpl(Structure):
    """struct spdkrt_nvme_cpl: a 16-byte completion queue entry."""
    _fields_ = [("cdw0", c_uint32), ("cdw1", c_uint32), ("sqhd", c_uint16), ("sqid", c_uint16),
                ("cid", c_uint16), ("status", c_uint16)]


class DsmRange(Structure):
    """struct spdkrt_nvme_dsm_range."""
    _fields_ = [("attributes", c_uint32), ("length", c_uint32), ("starting_lba", c_uint64)]


class CtrlrData(Structure):
    """struct spdkrt_nvme_ctrlr_data (Identify Controller) up to subnqn."""
    _fields_ = [
        ("vid", c_uint16), ("ssvid", c_uint16), ("sn", c_char * 20), ("mn", c_char * 40),
        ("fr", c_char * 8), ("rab", c_uint8), ("ieee", c_uint8 * 3), ("cmic", c_uint8),
        ("mdts", c_uint8), ("cntlid", c_uint16), ("ver", c_uint32), ("rtd3r", c_uint32),
        ("rtd3e", c_uint32), ("oaes", c_uint32), ("ctratt", c_uint32), ("rrls", c_uint16),
        ("reserved1", c_uint8 * 9), ("cntrltype", c_uint8), ("fguid", c_uint8 * 16),
        ("crdt", c_uint16 * 3), ("reserved2", c_uint8 * 122), ("oacs", c_uint16),
        ("acl", c_uint8), ("aerl", c_uint8), ("frmw", c_uint8), ("lpa", c_uint8),
        ("elpe", c_uint8), ("npss", c_uint8), ("avscc", c_uint8), ("apsta", c_uint8),
        ("wctemp", c_uint16), ("cctemp", c_uint16), ("mtfa", c_uint16), ("hmpre", c_uint32),
        ("hmmin", c_uint32), ("tnvmcap", c_uint64 * 2), ("unvmcap", c_uint64 * 2),
        ("rpmbs", c_uint32), ("edstt", c_uint16), ("dsto", c_uint8), ("fwug", c_uint8),
        ("kas", c_uint16), ("hctma", c_uint16), ("mntmt", c_uint16), ("mxtmt", c_uint16),
        ("sanicap", c_uint32), ("hmminds", c_uint32), ("hmmaxd", c_uint16),
        ("nsetidmax", c_uint16), ("endgidmax", c_uint16), ("anatt", c_uint8),
        ("anacap", c_uint8), ("anagrpmax", c_uint32), ("nanagrpid", c_uint32),
        ("pels", c_uint32), ("reserved3", c_uint8 * 156), ("sqes", c_uint8), ("cqes", c_uint8),
        ("maxcmd", c_uint16), ("nn", c_uint32), ("oncs", c_uint16), ("fuses", c_uint16),
        ("fna", c_uint8), ("vwc", c_uint8), ("awun", c_uint16), ("awupf", c_uint16),
        ("nvscc", c_uint8), ("nwpc", c_uint8), ("acwu", c_uint16), ("reserved4", c_uint16),
        ("sgls", c_uint32), ("mnan", c_uint32), ("reserved5", c_uint8 * 224),
        ("subnqn", c_char * 256),
    ]


class LbaFormat(Structure):
    """struct spdkrt_nvme_lba_format."""
    _fields_ = [("ms", c_uint16), ("lbads", c_uint8), ("rp", c_uint8)]


class NsData(Structure):
    """struct spdkrt_nvme_ns_data (Identify Namespace) up to the LBA formats."""
    _fields_ = [
        ("nsze", c_uint64), ("ncap", c_uint64), ("nuse", c_uint64), ("nsfeat", c_uint8),
        ("nlbaf", c_uint8), ("flbas", c_uint8), ("mc", c_uint8), ("dpc", c_uint8),
        ("dps", c_uint8), ("nmic", c_uint8), ("rescap", c_uint8), ("fpi", c_uint8),
        ("dlfeat", c_uint8), ("nawun", c_uint16), ("nawupf", c_uint16), ("nacwu", c_uint16),
        ("nabsn", c_uint16), ("nabo", c_uint16), ("nabspf", c_uint16), ("noiob", c_uint16),
        ("nvmcap", c_uint64 * 2), ("npwg", c_uint16), ("npwa", c_uint16), ("npdg", c_uint16),
        ("npda", c_uint16), ("nows", c_uint16), ("reserved1", c_uint8 * 18),
        ("anagrpid", c_uint32), ("reserved2", c_uint8 * 3), ("nsattr", c_uint8),
        ("nvmsetid", c_uint16), ("endgid", c_uint16), ("nguid", c_uint8 * 16),
        ("eui64", c_uint8 * 8), ("lbaf", LbaFormat * 16),
    ]


class CtrlrList(Structure):
    """struct spdkrt_nvme_ctrlr_list: the controllers a namespace is attached to or detached
    from (4096 bytes)."""
    _fields_ = [("ctrlr_count", c_uint16), ("ctrlr_list", c_uint16 * 2047)]


NS_DATA_SIZE = 4096  # struct spdkrt_nvme_ns_data: the whole Identify Namespace page


class ReservationRegisterData(Structure):
    """struct spdkrt_nvme_reservation_register_data."""
    _fields_ = [("crkey", c_uint64), ("nrkey", c_uint64)]


class ReservationAcquireData(Structure):
    """struct spdkrt_nvme_reservation_acquire_data."""
    _fields_ = [("crkey", c_uint64), ("prkey", c_uint64)]


class ReservationKeyData(Structure):
    """struct spdkrt_nvme_reservation_key_data."""
    _fields_ = [("crkey", c_uint64)]


class ReservationStatusData(Structure):
    """struct spdkrt_nvme_reservation_status_data: the Reservation Report header."""
    _fields_ = [("gen", c_uint32), ("rtype", c_uint8), ("regctl", c_uint8 * 2),
                ("reserved1", c_uint8 * 2), ("ptpls", c_uint8), ("reserved2", c_uint8 * 14)]


class RegisteredCtrlrData(Structure):
    """struct spdkrt_nvme_registered_ctrlr_data: a registrant (64-bit host id)."""
    _fields_ = [("cntlid", c_uint16), ("rcsts", c_uint8), ("reserved", c_uint8 * 5),
                ("hostid", c_uint64), ("rkey", c_uint64)]


class RegisteredCtrlrExtendedData(Structure):
    """struct spdkrt_nvme_registered_ctrlr_extended_data: a registrant (128-bit host id)."""
    _fields_ = [("cntlid", c_uint16), ("rcsts", c_uint8), ("reserved", c_uint8 * 5),
                ("rkey", c_uint64), ("hostid", c_uint8 * 16), ("reserved2", c_uint8 * 32)]


RESV_REPORT_EXT_HEADER_LEN = 64


def structure_dict(s: Structure) -> Dict[str, Any]:
    """The fields of an identify structure as plain Python values: strings decoded and
    right-trimmed, byte arrays as bytes, 128-bit counters as ints, reserved fields left out."""
    d: Dict[str, Any] = {}
    for name, ctype in s._fields_:
        if name.startswith("reserved"):
            continue
        value = getattr(s, name)
        if isinstance(value, bytes):  # c_char arrays: space or NUL padded ASCII
            value = value.decode("ascii", errors="replace").rstrip(" \0")
        elif isinstance(value, ctypes.Array):
            items = list(value)
            if getattr(ctype, "_type_", None) is c_uint8:
                value = bytes(items)
            elif getattr(ctype, "_type_", None) is c_uint64 and len(items) == 2:
                value = items[0] | items[1] << 64
            elif items and isinstance(items[0], Structure):
                value = [structure_dict(i) for i in items]
            else:
                value = items
        d[name] = value
    return d


class TgtOpts(Structure):
    """struct spdkrt_nvmf_tgt_opts."""
    _fields_ = [
        ("size", c_size_t),
        ("max_queue_depth", c_uint32),
        ("max_admin_queue_depth", c_uint32),
        ("max_io_queues", c_uint32),
        ("in_capsule_data_size", c_uint32),
        ("max_io_size", c_uint32),
        ("c2h_success", c_bool),
        ("min_keep_alive_ms", c_uint32),
    ]


class ListenOpts(Structure):
    """struct spdkrt_nvmf_listen_opts."""
    _fields_ = [("size", c_size_t), ("secure_channel", c_bool)]


class HostOpts(Structure):
    """struct spdkrt_nvmf_host_opts."""
    _fields_ = [("size", c_size_t), ("psk", c_char_p)]


class NvmfNsOpts(Structure):
    """struct spdkrt_nvmf_ns_opts."""
    _fields_ = [("size", c_size_t), ("nsid", c_uint32), ("uuid", c_uint8 * 16),
                ("nguid", c_uint8 * 16)]


class NvmfStats(Structure):
    """struct spdkrt_nvmf_stats."""
    _fields_ = [
        ("size", c_size_t),
        ("connections_accepted", c_uint64),
        ("connections_open", c_uint64),
        ("controllers", c_uint64),
        ("commands", c_uint64),
        ("command_errors", c_uint64),
        ("bytes_read", c_uint64),
        ("bytes_written", c_uint64),
        ("protocol_errors", c_uint64),
        ("keep_alive_expirations", c_uint64),
    ]

    def as_dict(self) -> Dict[str, int]:
        return {name: getattr(self, name) for name, _ in self._fields_ if name != "size"}


# ---- callback types ----
CMD_CB = CFUNCTYPE(None, c_void_p, POINTER(Cpl))
PROBE_CB = CFUNCTYPE(c_bool, c_void_p, POINTER(TransportIdC), POINTER(CtrlrOpts))
ATTACH_CB = CFUNCTYPE(None, c_void_p, POINTER(TransportIdC), c_void_p, POINTER(CtrlrOpts))
REMOVE_CB = CFUNCTYPE(None, c_void_p, c_void_p)
NVMF_DONE_CB = CFUNCTYPE(None, c_void_p, c_int)
NS_CHANGE_CB = CFUNCTYPE(None, c_void_p, c_void_p)
TIMEOUT_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_void_p, c_uint16)

_P = c_void_p
_TRID = POINTER(TransportIdC)
_IO = [_P, _P, _P, c_uint64, c_uint32, CMD_CB, _P, c_uint32]  # ns, qp, buf, lba, n, cb, arg, fl
_IOV = [_P, _P, POINTER(_lib.Iovec), c_int, c_uint64, c_uint32, CMD_CB, _P, c_uint32]

PROTOS: Dict[str, Tuple[Any, List[Any]]] = {
    "spdkrt_nvme_transport_id_parse": (c_int, [_TRID, c_char_p]),
    "spdkrt_nvme_transport_id_fmt": (c_int, [_TRID, c_char_p, c_size_t]),
    "spdkrt_nvme_transport_id_compare": (c_int, [_TRID, _TRID]),
    "spdkrt_nvme_ctrlr_opts_init": (c_int, [POINTER(CtrlrOpts), c_size_t]),
    "spdkrt_nvme_io_qpair_opts_init": (c_int, [POINTER(IoQpairOpts), c_size_t]),
    "spdkrt_nvme_probe": (c_int, [_TRID, _P, PROBE_CB, ATTACH_CB, REMOVE_CB]),
    "spdkrt_nvme_connect": (c_int, [_TRID, POINTER(CtrlrOpts), POINTER(_P)]),
    "spdkrt_nvme_detach": (c_int, [_P]),
    "spdkrt_nvme_ctrlr_process_admin_completions": (c_int32, [_P]),
    "spdkrt_nvme_ctrlr_reset": (c_int, [_P]),
    "spdkrt_nvme_ctrlr_is_failed": (c_bool, [_P]),
    "spdkrt_nvme_ctrlr_get_data": (POINTER(CtrlrData), [_P]),
    "spdkrt_nvme_ctrlr_get_transport_id": (_TRID, [_P]),
    "spdkrt_nvme_ctrlr_get_regs_cap": (c_uint64, [_P]),
    "spdkrt_nvme_ctrlr_get_regs_vs": (c_uint32, [_P]),
    "spdkrt_nvme_ctrlr_get_regs_csts": (c_uint32, [_P]),
    "spdkrt_nvme_ctrlr_get_max_xfer_size": (c_uint32, [_P]),
    "spdkrt_nvme_ctrlr_get_num_ns": (c_uint32, [_P]),
    "spdkrt_nvme_ctrlr_get_first_active_ns": (c_uint32, [_P]),
    "spdkrt_nvme_ctrlr_get_next_active_ns": (c_uint32, [_P, c_uint32]),
    "spdkrt_nvme_ctrlr_get_ns": (_P, [_P, c_uint32]),
    "spdkrt_nvme_ctrlr_alloc_io_qpair": (c_int, [_P, POINTER(IoQpairOpts), POINTER(_P)]),
    "spdkrt_nvme_ctrlr_free_io_qpair": (c_int, [_P]),
    "spdkrt_nvme_qpair_process_completions": (c_int32, [_P, c_uint32]),
    "spdkrt_nvme_qpair_get_id": (c_uint16, [_P]),
    "spdkrt_nvme_cpl_status_string": (c_char_p, [POINTER(Cpl)]),
    "spdkrt_nvme_ctrlr_cmd_admin_raw": (c_int, [_P, POINTER(Cmd), _P, c_uint32, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_cmd_io_raw": (c_int, [_P, _P, POINTER(Cmd), _P, c_uint32, _P, CMD_CB,
                                             _P]),
    "spdkrt_nvme_ctrlr_cmd_identify": (c_int, [_P, c_uint8, c_uint16, c_uint32, _P, c_size_t,
                                               CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_cmd_get_log_page": (c_int, [_P, c_uint8, c_uint32, _P, c_uint32,
                                                   c_uint64, c_uint8, c_bool, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_cmd_get_feature": (c_int, [_P, c_uint8, c_uint8, c_uint32, c_uint32, _P,
                                                  c_uint32, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_cmd_set_feature": (c_int, [_P, c_uint8, c_uint32, c_uint32, c_uint32, _P,
                                                  c_uint32, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_register_aer_callback": (None, [_P, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_register_ns_change_callback": (None, [_P, NS_CHANGE_CB, _P]),
    "spdkrt_nvme_ctrlr_register_timeout_callback": (None, [_P, c_uint64, c_uint64, TIMEOUT_CB,
                                                            _P]),
    "spdkrt_nvme_ctrlr_cmd_abort": (c_int, [_P, _P, c_uint16, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_create_ns": (c_int, [_P, _P, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_delete_ns": (c_int, [_P, c_uint32, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_attach_ns": (c_int, [_P, c_uint32, POINTER(CtrlrList), CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_detach_ns": (c_int, [_P, c_uint32, POINTER(CtrlrList), CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_format": (c_int, [_P, c_uint32, c_uint32, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_fw_image_download": (c_int, [_P, _P, c_uint32, c_uint32, CMD_CB, _P]),
    "spdkrt_nvme_ctrlr_fw_commit": (c_int, [_P, c_uint8, c_uint8, CMD_CB, _P]),
    "spdkrt_nvme_ns_get_id": (c_uint32, [_P]),
    "spdkrt_nvme_ns_get_data": (POINTER(NsData), [_P]),
    "spdkrt_nvme_ns_get_sector_size": (c_uint32, [_P]),
    "spdkrt_nvme_ns_get_extended_sector_size": (c_uint32, [_P]),
    "spdkrt_nvme_ns_get_md_size": (c_uint32, [_P]),
    "spdkrt_nvme_ns_get_pi_type": (c_uint32, [_P]),
    "spdkrt_nvme_ns_get_num_sectors": (c_uint64, [_P]),
    "spdkrt_nvme_ns_get_size": (c_uint64, [_P]),
    "spdkrt_nvme_ns_get_max_io_sectors": (c_uint32, [_P]),
    "spdkrt_nvme_ns_cmd_read": (c_int, _IO),
    "spdkrt_nvme_ns_cmd_write": (c_int, _IO),
    "spdkrt_nvme_ns_cmd_compare": (c_int, _IO),
    "spdkrt_nvme_ns_cmd_readv_iov": (c_int, _IOV),
    "spdkrt_nvme_ns_cmd_writev_iov": (c_int, _IOV),
    "spdkrt_nvme_ns_cmd_write_zeroes": (c_int, [_P, _P, c_uint64, c_uint32, CMD_CB, _P,
                                                c_uint32]),
    "spdkrt_nvme_ns_cmd_dataset_management": (c_int, [_P, _P, c_uint32, POINTER(DsmRange),
                                                      c_uint16, CMD_CB, _P]),
    "spdkrt_nvme_ns_cmd_flush": (c_int, [_P, _P, CMD_CB, _P]),
    "spdkrt_nvme_ns_cmd_reservation_register": (c_int, [_P, _P, POINTER(ReservationRegisterData),
                                                        c_bool, c_uint8, c_uint8, CMD_CB, _P]),
    "spdkrt_nvme_ns_cmd_reservation_acquire": (c_int, [_P, _P, POINTER(ReservationAcquireData),
                                                       c_bool, c_uint8, c_uint8, CMD_CB, _P]),
    "spdkrt_nvme_ns_cmd_reservation_release": (c_int, [_P, _P, POINTER(ReservationKeyData),
                                                       c_bool, c_uint8, c_uint8, CMD_CB, _P]),
    "spdkrt_nvme_ns_cmd_reservation_report_ext": (c_int, [_P, _P, _P, c_uint32, c_bool, CMD_CB,
                                                          _P]),
    "spdkrt_nvmf_tgt_opts_init": (c_int, [POINTER(TgtOpts), c_size_t]),
    "spdkrt_nvmf_tgt_create": (c_int, [POINTER(TgtOpts), POINTER(_P)]),
    "spdkrt_nvmf_tgt_add_poll_group": (c_int, [_P]),
    "spdkrt_nvmf_tgt_destroy": (c_int, [_P, NVMF_DONE_CB, _P]),
    "spdkrt_nvmf_tgt_listen": (c_int, [_P, c_char_p, c_char_p, c_char_p]),
    "spdkrt_nvmf_listen_opts_init": (c_int, [POINTER(ListenOpts), c_size_t]),
    "spdkrt_nvmf_tgt_listen_ext": (c_int, [_P, c_char_p, c_char_p, c_char_p,
                                           POINTER(ListenOpts)]),
    "spdkrt_nvmf_tgt_stop_listen": (c_int, [_P, c_char_p, c_char_p, c_char_p]),
    "spdkrt_nvmf_tgt_get_listener": (c_int, [_P, ctypes.c_uint, c_char_p, c_size_t, c_char_p,
                                             c_size_t]),
    "spdkrt_nvmf_tgt_get_stats": (c_int, [_P, POINTER(NvmfStats), c_size_t]),
    "spdkrt_nvmf_subsystem_create": (c_int, [_P, c_char_p, POINTER(_P)]),
    "spdkrt_nvmf_subsystem_destroy": (c_int, [_P]),
    "spdkrt_nvmf_tgt_find_subsystem": (_P, [_P, c_char_p]),
    "spdkrt_nvmf_subsystem_next": (_P, [_P, _P]),
    "spdkrt_nvmf_subsystem_get_nqn": (c_char_p, [_P]),
    "spdkrt_nvmf_subsystem_set_serial_number": (c_int, [_P, c_char_p]),
    "spdkrt_nvmf_subsystem_get_serial_number": (c_char_p, [_P]),
    "spdkrt_nvmf_subsystem_set_model_number": (c_int, [_P, c_char_p]),
    "spdkrt_nvmf_subsystem_get_model_number": (c_char_p, [_P]),
    "spdkrt_nvmf_subsystem_set_allow_any_host": (c_int, [_P, c_bool]),
    "spdkrt_nvmf_subsystem_get_allow_any_host": (c_bool, [_P]),
    "spdkrt_nvmf_subsystem_add_host": (c_int, [_P, c_char_p]),
    "spdkrt_nvmf_host_opts_init": (c_int, [POINTER(HostOpts), c_size_t]),
    "spdkrt_nvmf_subsystem_add_host_ext": (c_int, [_P, c_char_p, POINTER(HostOpts)]),
    "spdkrt_nvmf_subsystem_remove_host": (c_int, [_P, c_char_p]),
    "spdkrt_nvmf_subsystem_get_host": (c_char_p, [_P, ctypes.c_uint]),
    "spdkrt_nvmf_subsystem_add_listener": (c_int, [_P, c_char_p, c_char_p, c_char_p]),
    "spdkrt_nvmf_subsystem_remove_listener": (c_int, [_P, c_char_p, c_char_p, c_char_p]),
    "spdkrt_nvmf_subsystem_get_listener": (c_int, [_P, ctypes.c_uint, c_char_p, c_size_t,
                                                   c_char_p, c_size_t]),
    "spdkrt_nvmf_ns_opts_init": (c_int, [POINTER(NvmfNsOpts), c_size_t]),
    "spdkrt_nvmf_subsystem_add_ns": (c_int, [_P, c_char_p, POINTER(NvmfNsOpts),
                                             POINTER(c_uint32)]),
    "spdkrt_nvmf_subsystem_remove_ns": (c_int, [_P, c_uint32]),
    "spdkrt_nvmf_subsystem_next_nsid": (c_uint32, [_P, c_uint32]),
    "spdkrt_nvmf_subsystem_get_ns_bdev_name": (c_char_p, [_P, c_uint32]),
    # the Python tests' library only (tests/python/nvme_model_shim.c)
    "spdkrt_test_model_prepare": (c_int, []),
    "spdkrt_test_model_start": (c_int, [c_uint64, POINTER(_P)]),
    "spdkrt_test_model_stop": (None, [_P]),
    "spdkrt_test_model_io_commands": (c_uint64, [_P]),
    "spdkrt_test_model_drop": (c_int, [_P, c_uint16, c_uint16, c_uint32]),
    "spdkrt_test_model_clear_faults": (None, [_P]),
    "spdkrt_test_model_other_host_register": (c_int, [_P, c_uint32, c_uint64, c_uint64]),
    "spdkrt_test_model_other_host_acquire": (c_int, [_P, c_uint32, c_uint64, c_uint64, c_uint8]),
}

_lib.PROTOS.update(PROTOS)
