#!/usr/bin/env python3
"""Alternating cluster runs at latency 0 (docs/performance.md, "Session 14").

Each round runs, for every engine, the front with two services nodes once
per services-node setting (`--services-opts`, `|`-separated; the first is
usually empty: the defaults), then the single role, so that settings are
compared minutes apart on this noisy machine. Prints orders/s and the CPU
seconds of every process over the bench alone (bench/harness.py's
cpu_bench), and CPU µs per order.

  python3 bench/cluster_pairs.py [--binary=build/release/order-node]
      [--engines=actor,batched] [--orders=180000] [--rounds=2]
      [--services-opts='|--scheduler.max-threads=1']
"""
import argparse
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

HOSTS = ("warehouse:Main,warehouse:Backup,payment",
         "fraud,carrier:Standard,carrier:Economy,carrier:FastShip")
COMMON = ["--seed=1", "--http=off", "--max-attempts=1", "--journal=off",
          "--log-level=info"]


def report(label, engine, orders, bench, cpu):
    per_order = sum(cpu.values()) / orders * 1e6
    print(f"{label:32} {engine:8} {bench['orders_per_s']:>9,.0f} orders/s  "
          f"CPU s {cpu}  {per_order:.1f} µs/order", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=h.BIN)
    ap.add_argument("--engines", default="actor,batched")
    ap.add_argument("--orders", type=int, default=180000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--services-opts", default="|--scheduler.max-threads=1")
    args = ap.parse_args()
    line = f"bench orders={args.orders} concurrency=1000"
    for _ in range(args.rounds):
        for engine in args.engines.split(","):
            for opts in args.services_opts.split("|"):
                extra = shlex.split(opts)
                nodes = [h.start_services(args.binary, "0", x, extra)
                         for x in HOSTS]
                try:
                    for _, port in nodes:
                        if not h.wait_for(lambda p=port: h.port_open(p), 10):
                            raise RuntimeError("a services node did not start")
                    argv = [args.binary] + COMMON + [
                        f"--engine={engine}", "--role=front", "--peers="
                        + ",".join(f"127.0.0.1:{p}" for _, p in nodes)]
                    bench, _, cpu = h.cpu_bench(
                        argv, line, {"A": nodes[0][0].pid,
                                     "B": nodes[1][0].pid})
                    report(f"cluster, services [{opts}]", engine,
                           args.orders, bench, cpu)
                finally:
                    for proc, _ in nodes:
                        proc.terminate()
                        proc.wait(30)
            argv = [args.binary] + COMMON + [f"--engine={engine}",
                                             "--latency-scale=0"]
            bench, _, cpu = h.cpu_bench(argv, line, {})
            report("single", engine, args.orders, bench, cpu)


if __name__ == "__main__":
    main()
