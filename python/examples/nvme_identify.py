#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""spdkrt-nvme-identify in Python: attach NVMe controllers (every one bound for spdkrt, or the
one at -r TRID) and print their identify data and namespaces as JSON.

    python3 nvme_identify.py -r "trtype:PCIe traddr:0000:04:00.0"
"""
import argparse
import json
import sys

import spdkrt
from spdkrt import nvme

CTRLR_FIELDS = ("vid", "ssvid", "sn", "mn", "fr", "cntlid", "ver", "mdts", "oacs", "oncs", "nn",
                "sgls", "subnqn")


def describe(ctrlr):
    """A controller and its active namespaces as a dict that json.dumps() takes."""
    data = ctrlr.data
    out = {"trid": str(ctrlr.trid), "max_xfer_size": ctrlr.max_xfer_size}
    out.update({name: data[name] for name in CTRLR_FIELDS})
    out["namespaces"] = []
    for ns in ctrlr.namespaces():
        nd = ns.data
        out["namespaces"].append({
            "nsid": ns.id, "blocks": ns.num_sectors, "block_size": ns.sector_size,
            "metadata_size": ns.md_size, "pi_type": ns.pi_type, "size": ns.size,
            "nguid": nd["nguid"].hex(), "eui64": nd["eui64"].hex(),
        })
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-r", metavar="TRID", help="the controller's transport ID (default: all)")
    ap.add_argument("--no-huge", action="store_true", help="ordinary memory")
    args = ap.parse_args(argv)
    with spdkrt.Env(no_huge=args.no_huge, name="nvme_identify_py"):
        ctrlrs = nvme.probe(args.r)
        if not ctrlrs:
            sys.exit("no NVMe controller%s: none is bound to vfio-pci or uio_pci_generic (run "
                     "spdkrt-setup config as root)" % (" at " + args.r if args.r else ""))
        try:
            print(json.dumps({"controllers": [describe(c) for c in ctrlrs]}, indent=2))
        finally:
            for c in ctrlrs:
                c.detach()


if __name__ == "__main__":
    main()
