# SPDX-License-Identifier: BSD-3-Clause
"""The library as loaded: version, how it was found, logging, errors, structure layouts."""
import ctypes
import errno
import os
import re

import pytest

import spdkrt


def test_version():
    v = spdkrt.version()
    assert re.match(r"^\d+\.\d+\.\d+$", v)
    expected = os.environ.get("SPDKRT_EXPECT_VERSION")
    if expected:
        assert v == expected


def test_library_found_as_documented():
    path = spdkrt.load().path
    override = os.environ.get("SPDKRT_LIBRARY")
    if override:
        assert path == override
    else:
        assert "libspdkrt.so.1" in path  # ctypes.util.find_library("spdkrt") or the soname


def test_log_level_round_trip():
    old = spdkrt.get_log_level()
    try:
        spdkrt.set_log_level("debug")
        assert spdkrt.get_log_level() == "debug"
        spdkrt.set_log_level(1)
        assert spdkrt.get_log_level() == "warn"
    finally:
        spdkrt.set_log_level(old)


def test_bad_log_level(log_lines):
    with pytest.raises(spdkrt.SpdkrtError) as e:
        spdkrt.set_log_level(99)
    assert e.value.errno == errno.EINVAL
    with pytest.raises(spdkrt.SpdkrtError) as e:
        spdkrt.set_log_level("loud")
    assert e.value.errno == errno.EINVAL


def test_error_is_an_oserror():
    err = spdkrt.SpdkrtError(-errno.ENODEV, "spdkrt_x")
    assert isinstance(err, OSError) and err.errno == errno.ENODEV and err.rc == -errno.ENODEV
    assert "spdkrt_x" in str(err) and spdkrt.strerror(-errno.ENODEV) in str(err)


def test_structure_layouts_match_the_c_headers():
    path = os.environ.get("SPDKRT_LAYOUT_FILE")
    if not path:
        pytest.skip("SPDKRT_LAYOUT_FILE not set (tests/abi/layout.c prints the C layouts)")
    structs = {"spdkrt_env_opts": spdkrt.EnvOpts, "spdkrt_app_opts": spdkrt.AppOpts,
               "spdkrt_bdev_stats": spdkrt.BdevStats}
    c = spdkrt._nvme_c
    structs.update({"spdkrt_nvme_transport_id": c.TransportIdC,
                    "spdkrt_nvme_ctrlr_opts": c.CtrlrOpts,
                    "spdkrt_nvme_io_qpair_opts": c.IoQpairOpts, "spdkrt_nvme_cmd": c.Cmd,
                    "spdkrt_nvme_cpl": c.Cpl, "spdkrt_nvme_dsm_range": c.DsmRange,
                    "spdkrt_nvme_ctrlr_data": c.CtrlrData, "spdkrt_nvme_ns_data": c.NsData,
                    "spdkrt_nvme_ctrlr_list": c.CtrlrList,
                    "spdkrt_nvme_reservation_register_data": c.ReservationRegisterData,
                    "spdkrt_nvme_reservation_acquire_data": c.ReservationAcquireData,
                    "spdkrt_nvme_reservation_key_data": c.ReservationKeyData,
                    "spdkrt_nvme_reservation_status_data": c.ReservationStatusData,
                    "spdkrt_nvme_registered_ctrlr_data": c.RegisteredCtrlrData,
                    "spdkrt_nvme_registered_ctrlr_extended_data":
                        c.RegisteredCtrlrExtendedData,
                    "spdkrt_nvmf_tgt_opts": c.TgtOpts, "spdkrt_nvmf_ns_opts": c.NvmfNsOpts,
                    "spdkrt_nvmf_listen_opts": c.ListenOpts,
                    "spdkrt_nvmf_host_opts": c.HostOpts,
                    "spdkrt_nvmf_stats": c.NvmfStats})
    compared = 0
    for line in open(path):
        struct, field, value = line.split()
        cls = structs.get(struct)
        if cls is None:
            continue
        if field == "sizeof":
            # C may have grown (fields are only appended): the binding then uses a prefix.
            assert ctypes.sizeof(cls) <= int(value), struct
            continue
        desc = getattr(cls, field, None)
        if desc is not None:
            assert desc.offset == int(value), "%s.%s" % (struct, field)
            compared += 1
    assert compared > 100
