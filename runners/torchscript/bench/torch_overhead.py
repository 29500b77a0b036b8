#!/usr/bin/env python3
"""Prints torch_bench's results as the SDK's overhead on a real model.

Usage:
  torch_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
      --benchmark_out=torch_bench.json --benchmark_out_format=json
  python3 runners/torchscript/bench/torch_overhead.py torch_bench.json   # or: ... --benchmark_format=json | torch_overhead.py

For each workload (small: float32[4] -> x * 2; 64 MiB add: x + 1; 64 MiB sum: x.sum())
it prints libtorch in-process (the floor), the runner's LoadedModel in-process, the
TorchScript runner through the mock core and the noop runner with the same request, and
then SDK overhead = runner - in-process, split into conversion (LoadedModel - in-process)
and transport (runner - LoadedModel). 64 MiB rows come with the input's elements aligned
for float where the runner receives them, and not (then the runner copies them once). Uses the median aggregate of each benchmark when
repetitions were run, else the mean of its runs. Informative only: exits 2 when a
benchmark is missing, else 0.
"""
import json
import statistics
import os
import sys

# bench/'s shared helpers, from the SDK's bench folder.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench"))
from ratios import SUFFIX, TO_NS, fmt_time

ROWS = [("libtorch in-process", "InProcess"), ("LoadedModel in-process", "Handler"),
        ("mock core + torchscript runner", "TorchRunner"), ("mock core + noop runner", "NoopRunner")]


def fmt_delta(ns):
    return ("-" if ns < 0 else "") + fmt_time(abs(ns))


def load(report):
    """Benchmark name without suffixes -> {"ns": real time, "p50"/"p99": us, "bps": bytes/s}."""
    medians, runs = {}, {}
    for b in report["benchmarks"]:
        name = SUFFIX.sub("", b.get("run_name", b["name"]))
        v = {"ns": b["real_time"] * TO_NS[b.get("time_unit", "ns")]}
        for key, field in (("p50", "p50_us"), ("p99", "p99_us"), ("bps", "bytes_per_second")):
            if field in b:
                v[key] = b[field]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = v
        else:
            runs.setdefault(name, []).append(v)
    out = {n: {k: statistics.mean(r[k] for r in rs) for k in rs[0]} for n, rs in runs.items()}
    out.update(medians)
    return out


def main():
    src = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    text = src.read()
    r = load(json.loads(text[text.index("{"):]))
    status = 0

    def get(name):
        nonlocal status
        if name not in r:
            print(f"  {name}: missing from the report")
            status = 2
            return None
        return r[name]

    print("small request, float32[4] -> x * 2 (per call)")
    print(f"  {'':34} {'p50':>9} {'p99':>9}")
    small = {}
    for label, row in ROWS:
        v = get(f"BM_Small_{row}")
        if v and "p50" in v:
            small[row] = v
            print(f"  {label:34} {fmt_time(v['p50'] * 1e3):>9} {fmt_time(v['p99'] * 1e3):>9}")
    if all(k in small for k in ("InProcess", "Handler", "TorchRunner")):
        ip, h, t = (small[k]["p50"] for k in ("InProcess", "Handler", "TorchRunner"))
        print(f"  SDK overhead p50 (runner - in-process): {fmt_delta((t - ip) * 1e3)}"
              f" = conversion {fmt_delta((h - ip) * 1e3)} + transport {fmt_delta((t - h) * 1e3)}")

    for model, what in (("add", "x + 1, 64 MiB back"), ("sum", "x.sum(), 4 bytes back")):
        print(f"\n64 MiB float32 input, {what} (per call)")
        print(f"  {'':52} {'time':>9} {'input GB/s':>11}")
        rows = [("libtorch in-process", f"BM_64MiB_InProcess/{model}")]
        for a in ("aligned", "misaligned"):
            rows.append((f"LoadedModel in-process, input {a}", f"BM_64MiB_Handler/{model}_{a}"))
        for a in ("aligned", "misaligned"):
            rows.append((f"mock core + torchscript runner, input {a}", f"BM_64MiB_TorchRunner/{model}_{a}"))
        rows.append(("mock core + noop runner (echo, 64 MiB back)", "BM_64MiB_NoopRunner"))
        large = {}
        for label, name in rows:
            v = get(name)
            if v:
                large[name] = v
                gbps = f"{v['bps'] / 1e9:.3g}" if "bps" in v else ""
                print(f"  {label:52} {fmt_time(v['ns']):>9} {gbps:>11}")
        for a in ("aligned", "misaligned"):
            names = (f"BM_64MiB_InProcess/{model}", f"BM_64MiB_Handler/{model}_{a}", f"BM_64MiB_TorchRunner/{model}_{a}")
            if all(n in large for n in names):
                ip, h, t = (large[n]["ns"] for n in names)
                print(f"  SDK overhead, input {a} (runner - in-process): {fmt_delta(t - ip)}"
                      f" = conversion {fmt_delta(h - ip)} + transport {fmt_delta(t - h)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
