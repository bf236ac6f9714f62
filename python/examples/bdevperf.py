#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""bdevperf in Python: a queue of I/O kept full on one spdkrt thread polled from Python, like
spdkrt-bdevperf's options (-q -o -w -t -b). Each completion callback submits the next I/O; the
verify workload writes a pattern, reads it back and compares.

    python3 bdevperf.py -q 32 -o 4096 -w randread -t 5 -b malloc:name=Malloc0,size_mb=64
"""
import argparse
import random
import sys
import time

import spdkrt

WORKLOADS = ("read", "write", "randread", "randwrite", "verify")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-q", type=int, default=32, help="queue depth")
    ap.add_argument("-o", type=int, default=4096, help="I/O size in bytes")
    ap.add_argument("-w", choices=WORKLOADS, default="randread", help="workload")
    ap.add_argument("-t", type=float, default=5.0, help="seconds")
    ap.add_argument("-b", default="malloc:name=Malloc0,size_mb=64", help="bdev spec to create")
    ap.add_argument("--no-huge", action="store_true", default=True,
                    help="ordinary memory (the default here: no device needed)")
    args = ap.parse_args(argv)

    with spdkrt.Env(no_huge=args.no_huge, name="bdevperf_py"), spdkrt.Thread("perf") as t:
        bdev = spdkrt.Bdev.create(args.b)
        bs = bdev.block_size
        if args.o % bs:
            sys.exit("-o %d is not a multiple of the block size %d" % (args.o, bs))
        nblocks = args.o // bs
        slots = bdev.num_blocks // nblocks
        write = args.w in ("write", "randwrite", "verify")
        with spdkrt.Desc.open(bdev.name, write=write) as desc, desc.get_io_channel() as ch:
            bufs = [spdkrt.DmaBuffer(args.o, bdev.buf_align) for _ in range(args.q)]
            state = {"ios": 0, "errors": 0, "miscompares": 0, "next": 0, "inflight": 0}
            end = time.monotonic() + args.t

            def pick():
                if args.w.startswith("rand"):
                    return random.randrange(slots)
                state["next"] = (state["next"] + 1) % slots
                return state["next"]

            def submit(i):
                slot = pick()
                buf = bufs[i]
                state["inflight"] += 1
                if args.w == "verify":
                    pattern = bytes([slot & 0xFF]) * args.o
                    buf.write(pattern)
                    desc.write_blocks(ch, buf, slot * nblocks, nblocks,
                                      lambda st: written(i, slot, pattern, st))
                elif write:
                    desc.write_blocks(ch, buf, slot * nblocks, nblocks, lambda st: done(i, st))
                else:
                    desc.read_blocks(ch, buf, slot * nblocks, nblocks, lambda st: done(i, st))

            def written(i, slot, pattern, status):
                if status:
                    return done(i, status)
                bufs[i].write(b"\0" * args.o)
                desc.read_blocks(ch, bufs[i], slot * nblocks, nblocks,
                                 lambda st: verified(i, pattern, st))

            def verified(i, pattern, status):
                if status == 0 and bufs[i].read() != pattern:
                    state["miscompares"] += 1
                done(i, status)

            def done(i, status):
                state["inflight"] -= 1
                state["ios"] += 1
                state["errors"] += status != 0
                if time.monotonic() < end:
                    submit(i)

            start = time.monotonic()
            for i in range(args.q):
                submit(i)
            t.poll_until(lambda: state["inflight"] == 0, timeout=args.t + 30)
            elapsed = time.monotonic() - start
            for b in bufs:
                b.free()
        iops = state["ios"] / elapsed
        print("%-12s %-10s q=%-4d %8d B  IOPS %12.2f  MiB/s %10.2f  errors %d  miscompares %d"
              % (bdev.name, args.w, args.q, args.o, iops, iops * args.o / (1 << 20),
                 state["errors"], state["miscompares"]))
        bdev.destroy()
        return 1 if state["errors"] or state["miscompares"] else 0


if __name__ == "__main__":
    sys.exit(main())
