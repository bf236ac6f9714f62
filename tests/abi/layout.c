/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints the layout of the public structures the Python package (python/spdkrt/_lib.py)
 * mirrors, as "struct field offset" and "struct sizeof size" lines, for test_spdkrt.py --layout.
 * A field renamed in a header fails this build: the binding must follow.
 */
#include <stddef.h>
#include <stdio.h>

#include <spdkrt.h>

#define FIELD(s, f) printf("%s %s %zu\n", #s, #f, offsetof(struct s, f))
#define SIZE(s) printf("%s sizeof %zu\n", #s, sizeof(struct s))

int main(void)
{
	FIELD(spdkrt_env_opts, size);
	FIELD(spdkrt_env_opts, name);
	FIELD(spdkrt_env_opts, core_mask);
	FIELD(spdkrt_env_opts, main_core);
	FIELD(spdkrt_env_opts, mem_size_mb);
	FIELD(spdkrt_env_opts, no_huge);
	FIELD(spdkrt_env_opts, hugepage_dir);
	FIELD(spdkrt_env_opts, iova_mode);
	FIELD(spdkrt_env_opts, socket_mem);
	FIELD(spdkrt_env_opts, pci_allowed);
	FIELD(spdkrt_env_opts, num_pci_allowed);
	FIELD(spdkrt_env_opts, file_prefix);
	FIELD(spdkrt_env_opts, eal_args);
	FIELD(spdkrt_env_opts, num_eal_args);
	SIZE(spdkrt_env_opts);

	FIELD(spdkrt_app_opts, size);
	FIELD(spdkrt_app_opts, name);
	FIELD(spdkrt_app_opts, core_mask);
	FIELD(spdkrt_app_opts, mem_size_mb);
	FIELD(spdkrt_app_opts, no_huge);
	FIELD(spdkrt_app_opts, log_level);
	FIELD(spdkrt_app_opts, shutdown_cb);
	FIELD(spdkrt_app_opts, shutdown_ctx);
	FIELD(spdkrt_app_opts, env_opts);
	SIZE(spdkrt_app_opts);

	FIELD(spdkrt_bdev_stats, ops);
	FIELD(spdkrt_bdev_stats, bytes);
	FIELD(spdkrt_bdev_stats, latency_ticks);
	FIELD(spdkrt_bdev_stats, max_latency_ticks);
	FIELD(spdkrt_bdev_stats, errors);
	FIELD(spdkrt_bdev_stats, ticks_hz);
	SIZE(spdkrt_bdev_stats);

	FIELD(spdkrt_nvme_transport_id, trtype);
	FIELD(spdkrt_nvme_transport_id, adrfam);
	FIELD(spdkrt_nvme_transport_id, traddr);
	FIELD(spdkrt_nvme_transport_id, trsvcid);
	FIELD(spdkrt_nvme_transport_id, subnqn);
	SIZE(spdkrt_nvme_transport_id);

	FIELD(spdkrt_nvme_ctrlr_opts, size);
	FIELD(spdkrt_nvme_ctrlr_opts, num_io_queues);
	FIELD(spdkrt_nvme_ctrlr_opts, io_queue_size);
	FIELD(spdkrt_nvme_ctrlr_opts, io_queue_requests);
	FIELD(spdkrt_nvme_ctrlr_opts, admin_queue_size);
	FIELD(spdkrt_nvme_ctrlr_opts, arb_mechanism);
	FIELD(spdkrt_nvme_ctrlr_opts, arb_high_weight);
	FIELD(spdkrt_nvme_ctrlr_opts, arb_medium_weight);
	FIELD(spdkrt_nvme_ctrlr_opts, arb_low_weight);
	FIELD(spdkrt_nvme_ctrlr_opts, arb_burst);
	FIELD(spdkrt_nvme_ctrlr_opts, use_cmb_sqs);
	FIELD(spdkrt_nvme_ctrlr_opts, keep_alive_timeout_ms);
	FIELD(spdkrt_nvme_ctrlr_opts, retry_count);
	FIELD(spdkrt_nvme_ctrlr_opts, admin_timeout_us);
	FIELD(spdkrt_nvme_ctrlr_opts, shutdown_timeout_us);
	FIELD(spdkrt_nvme_ctrlr_opts, hostnqn);
	FIELD(spdkrt_nvme_ctrlr_opts, header_digest);
	FIELD(spdkrt_nvme_ctrlr_opts, data_digest);
	FIELD(spdkrt_nvme_ctrlr_opts, hostid);
	FIELD(spdkrt_nvme_ctrlr_opts, psk);
	FIELD(spdkrt_nvme_ctrlr_opts, reconnect_delay_ms);
	FIELD(spdkrt_nvme_ctrlr_opts, ctrlr_loss_timeout_ms);
	SIZE(spdkrt_nvme_ctrlr_opts);

	FIELD(spdkrt_nvme_io_qpair_opts, size);
	FIELD(spdkrt_nvme_io_qpair_opts, qprio);
	FIELD(spdkrt_nvme_io_qpair_opts, io_queue_size);
	FIELD(spdkrt_nvme_io_qpair_opts, io_queue_requests);
	SIZE(spdkrt_nvme_io_qpair_opts);

	FIELD(spdkrt_nvme_cmd, opc);
	FIELD(spdkrt_nvme_cmd, flags);
	FIELD(spdkrt_nvme_cmd, cid);
	FIELD(spdkrt_nvme_cmd, nsid);
	FIELD(spdkrt_nvme_cmd, cdw2);
	FIELD(spdkrt_nvme_cmd, cdw3);
	FIELD(spdkrt_nvme_cmd, mptr);
	FIELD(spdkrt_nvme_cmd, dptr);
	FIELD(spdkrt_nvme_cmd, cdw10);
	FIELD(spdkrt_nvme_cmd, cdw11);
	FIELD(spdkrt_nvme_cmd, cdw12);
	FIELD(spdkrt_nvme_cmd, cdw13);
	FIELD(spdkrt_nvme_cmd, cdw14);
	FIELD(spdkrt_nvme_cmd, cdw15);
	SIZE(spdkrt_nvme_cmd);

	FIELD(spdkrt_nvme_cpl, cdw0);
	FIELD(spdkrt_nvme_cpl, cdw1);
	FIELD(spdkrt_nvme_cpl, sqhd);
	FIELD(spdkrt_nvme_cpl, sqid);
	FIELD(spdkrt_nvme_cpl, cid);
	FIELD(spdkrt_nvme_cpl, status);
	SIZE(spdkrt_nvme_cpl);

	FIELD(spdkrt_nvme_dsm_range, attributes);
	FIELD(spdkrt_nvme_dsm_range, length);
	FIELD(spdkrt_nvme_dsm_range, starting_lba);
	SIZE(spdkrt_nvme_dsm_range);

	FIELD(spdkrt_nvme_ctrlr_data, vid);
	FIELD(spdkrt_nvme_ctrlr_data, ssvid);
	FIELD(spdkrt_nvme_ctrlr_data, sn);
	FIELD(spdkrt_nvme_ctrlr_data, mn);
	FIELD(spdkrt_nvme_ctrlr_data, fr);
	FIELD(spdkrt_nvme_ctrlr_data, rab);
	FIELD(spdkrt_nvme_ctrlr_data, ieee);
	FIELD(spdkrt_nvme_ctrlr_data, cmic);
	FIELD(spdkrt_nvme_ctrlr_data, mdts);
	FIELD(spdkrt_nvme_ctrlr_data, cntlid);
	FIELD(spdkrt_nvme_ctrlr_data, ver);
	FIELD(spdkrt_nvme_ctrlr_data, rtd3r);
	FIELD(spdkrt_nvme_ctrlr_data, rtd3e);
	FIELD(spdkrt_nvme_ctrlr_data, oaes);
	FIELD(spdkrt_nvme_ctrlr_data, ctratt);
	FIELD(spdkrt_nvme_ctrlr_data, rrls);
	FIELD(spdkrt_nvme_ctrlr_data, cntrltype);
	FIELD(spdkrt_nvme_ctrlr_data, fguid);
	FIELD(spdkrt_nvme_ctrlr_data, crdt);
	FIELD(spdkrt_nvme_ctrlr_data, oacs);
	FIELD(spdkrt_nvme_ctrlr_data, acl);
	FIELD(spdkrt_nvme_ctrlr_data, aerl);
	FIELD(spdkrt_nvme_ctrlr_data, frmw);
	FIELD(spdkrt_nvme_ctrlr_data, lpa);
	FIELD(spdkrt_nvme_ctrlr_data, elpe);
	FIELD(spdkrt_nvme_ctrlr_data, npss);
	FIELD(spdkrt_nvme_ctrlr_data, avscc);
	FIELD(spdkrt_nvme_ctrlr_data, apsta);
	FIELD(spdkrt_nvme_ctrlr_data, wctemp);
	FIELD(spdkrt_nvme_ctrlr_data, cctemp);
	FIELD(spdkrt_nvme_ctrlr_data, mtfa);
	FIELD(spdkrt_nvme_ctrlr_data, hmpre);
	FIELD(spdkrt_nvme_ctrlr_data, hmmin);
	FIELD(spdkrt_nvme_ctrlr_data, tnvmcap);
	FIELD(spdkrt_nvme_ctrlr_data, unvmcap);
	FIELD(spdkrt_nvme_ctrlr_data, rpmbs);
	FIELD(spdkrt_nvme_ctrlr_data, edstt);
	FIELD(spdkrt_nvme_ctrlr_data, dsto);
	FIELD(spdkrt_nvme_ctrlr_data, fwug);
	FIELD(spdkrt_nvme_ctrlr_data, kas);
	FIELD(spdkrt_nvme_ctrlr_data, hctma);
	FIELD(spdkrt_nvme_ctrlr_data, mntmt);
	FIELD(spdkrt_nvme_ctrlr_data, mxtmt);
	FIELD(spdkrt_nvme_ctrlr_data, sanicap);
	FIELD(spdkrt_nvme_ctrlr_data, hmminds);
	FIELD(spdkrt_nvme_ctrlr_data, hmmaxd);
	FIELD(spdkrt_nvme_ctrlr_data, nsetidmax);
	FIELD(spdkrt_nvme_ctrlr_data, endgidmax);
	FIELD(spdkrt_nvme_ctrlr_data, anatt);
	FIELD(spdkrt_nvme_ctrlr_data, anacap);
	FIELD(spdkrt_nvme_ctrlr_data, anagrpmax);
	FIELD(spdkrt_nvme_ctrlr_data, nanagrpid);
	FIELD(spdkrt_nvme_ctrlr_data, pels);
	FIELD(spdkrt_nvme_ctrlr_data, sqes);
	FIELD(spdkrt_nvme_ctrlr_data, cqes);
	FIELD(spdkrt_nvme_ctrlr_data, maxcmd);
	FIELD(spdkrt_nvme_ctrlr_data, nn);
	FIELD(spdkrt_nvme_ctrlr_data, oncs);
	FIELD(spdkrt_nvme_ctrlr_data, fuses);
	FIELD(spdkrt_nvme_ctrlr_data, fna);
	FIELD(spdkrt_nvme_ctrlr_data, vwc);
	FIELD(spdkrt_nvme_ctrlr_data, awun);
	FIELD(spdkrt_nvme_ctrlr_data, awupf);
	FIELD(spdkrt_nvme_ctrlr_data, nvscc);
	FIELD(spdkrt_nvme_ctrlr_data, nwpc);
	FIELD(spdkrt_nvme_ctrlr_data, acwu);
	FIELD(spdkrt_nvme_ctrlr_data, sgls);
	FIELD(spdkrt_nvme_ctrlr_data, mnan);
	FIELD(spdkrt_nvme_ctrlr_data, subnqn);
	SIZE(spdkrt_nvme_ctrlr_data);

	FIELD(spdkrt_nvme_ns_data, nsze);
	FIELD(spdkrt_nvme_ns_data, ncap);
	FIELD(spdkrt_nvme_ns_data, nuse);
	FIELD(spdkrt_nvme_ns_data, nsfeat);
	FIELD(spdkrt_nvme_ns_data, nlbaf);
	FIELD(spdkrt_nvme_ns_data, flbas);
	FIELD(spdkrt_nvme_ns_data, mc);
	FIELD(spdkrt_nvme_ns_data, dpc);
	FIELD(spdkrt_nvme_ns_data, dps);
	FIELD(spdkrt_nvme_ns_data, nmic);
	FIELD(spdkrt_nvme_ns_data, rescap);
	FIELD(spdkrt_nvme_ns_data, fpi);
	FIELD(spdkrt_nvme_ns_data, dlfeat);
	FIELD(spdkrt_nvme_ns_data, nawun);
	FIELD(spdkrt_nvme_ns_data, nawupf);
	FIELD(spdkrt_nvme_ns_data, nacwu);
	FIELD(spdkrt_nvme_ns_data, nabsn);
	FIELD(spdkrt_nvme_ns_data, nabo);
	FIELD(spdkrt_nvme_ns_data, nabspf);
	FIELD(spdkrt_nvme_ns_data, noiob);
	FIELD(spdkrt_nvme_ns_data, nvmcap);
	FIELD(spdkrt_nvme_ns_data, npwg);
	FIELD(spdkrt_nvme_ns_data, npwa);
	FIELD(spdkrt_nvme_ns_data, npdg);
	FIELD(spdkrt_nvme_ns_data, npda);
	FIELD(spdkrt_nvme_ns_data, nows);
	FIELD(spdkrt_nvme_ns_data, anagrpid);
	FIELD(spdkrt_nvme_ns_data, nsattr);
	FIELD(spdkrt_nvme_ns_data, nvmsetid);
	FIELD(spdkrt_nvme_ns_data, endgid);
	FIELD(spdkrt_nvme_ns_data, nguid);
	FIELD(spdkrt_nvme_ns_data, eui64);
	FIELD(spdkrt_nvme_ns_data, lbaf);
	SIZE(spdkrt_nvme_ns_data);

	FIELD(spdkrt_nvme_ctrlr_list, ctrlr_count);
	FIELD(spdkrt_nvme_ctrlr_list, ctrlr_list);
	SIZE(spdkrt_nvme_ctrlr_list);

	FIELD(spdkrt_nvme_reservation_register_data, crkey);
	FIELD(spdkrt_nvme_reservation_register_data, nrkey);
	FIELD(spdkrt_nvme_reservation_acquire_data, crkey);
	FIELD(spdkrt_nvme_reservation_acquire_data, prkey);
	FIELD(spdkrt_nvme_reservation_key_data, crkey);
	FIELD(spdkrt_nvme_reservation_status_data, gen);
	FIELD(spdkrt_nvme_reservation_status_data, rtype);
	FIELD(spdkrt_nvme_reservation_status_data, regctl);
	FIELD(spdkrt_nvme_reservation_status_data, ptpls);
	SIZE(spdkrt_nvme_reservation_status_data);
	FIELD(spdkrt_nvme_registered_ctrlr_data, cntlid);
	FIELD(spdkrt_nvme_registered_ctrlr_data, rcsts);
	FIELD(spdkrt_nvme_registered_ctrlr_data, hostid);
	FIELD(spdkrt_nvme_registered_ctrlr_data, rkey);
	SIZE(spdkrt_nvme_registered_ctrlr_data);
	FIELD(spdkrt_nvme_registered_ctrlr_extended_data, cntlid);
	FIELD(spdkrt_nvme_registered_ctrlr_extended_data, rcsts);
	FIELD(spdkrt_nvme_registered_ctrlr_extended_data, rkey);
	FIELD(spdkrt_nvme_registered_ctrlr_extended_data, hostid);
	SIZE(spdkrt_nvme_registered_ctrlr_extended_data);

	FIELD(spdkrt_nvmf_tgt_opts, size);
	FIELD(spdkrt_nvmf_tgt_opts, max_queue_depth);
	FIELD(spdkrt_nvmf_tgt_opts, max_admin_queue_depth);
	FIELD(spdkrt_nvmf_tgt_opts, max_io_queues);
	FIELD(spdkrt_nvmf_tgt_opts, in_capsule_data_size);
	FIELD(spdkrt_nvmf_tgt_opts, max_io_size);
	FIELD(spdkrt_nvmf_tgt_opts, c2h_success);
	FIELD(spdkrt_nvmf_tgt_opts, min_keep_alive_ms);
	SIZE(spdkrt_nvmf_tgt_opts);

	FIELD(spdkrt_nvmf_listen_opts, size);
	FIELD(spdkrt_nvmf_listen_opts, secure_channel);
	SIZE(spdkrt_nvmf_listen_opts);

	FIELD(spdkrt_nvmf_host_opts, size);
	FIELD(spdkrt_nvmf_host_opts, psk);
	SIZE(spdkrt_nvmf_host_opts);

	FIELD(spdkrt_nvmf_ns_opts, size);
	FIELD(spdkrt_nvmf_ns_opts, nsid);
	FIELD(spdkrt_nvmf_ns_opts, uuid);
	FIELD(spdkrt_nvmf_ns_opts, nguid);
	SIZE(spdkrt_nvmf_ns_opts);

	FIELD(spdkrt_nvmf_stats, size);
	FIELD(spdkrt_nvmf_stats, connections_accepted);
	FIELD(spdkrt_nvmf_stats, connections_open);
	FIELD(spdkrt_nvmf_stats, controllers);
	FIELD(spdkrt_nvmf_stats, commands);
	FIELD(spdkrt_nvmf_stats, command_errors);
	FIELD(spdkrt_nvmf_stats, bytes_read);
	FIELD(spdkrt_nvmf_stats, bytes_written);
	FIELD(spdkrt_nvmf_stats, protocol_errors);
	FIELD(spdkrt_nvmf_stats, keep_alive_expirations);
	SIZE(spdkrt_nvmf_stats);
	return 0;
}
