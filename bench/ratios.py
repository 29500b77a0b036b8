#!/usr/bin/env python3
"""Prints benchmark results as ratios to their baselines, and checks the targets.

codec_bench: times as ratios to memcpy of the same bytes. runner_bench: the noop runner
(through the mock core) against a plain socketpair ping-pong of the same bytes, and the
runner's peak RSS against the tensor size.

Usage:
  codec_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
      --benchmark_out=codec_bench.json --benchmark_out_format=json
  python3 bench/ratios.py codec_bench.json        # or: ... --benchmark_format=json | ratios.py
  (the same with runner_bench and runner_bench.json)

Prints the table of each program whose benchmarks are in the report (the codec table
when none are). Uses the median aggregate of each benchmark when repetitions were run,
else the mean of its runs. Exits 1 when a target ratio is missed, 2 when a benchmark is
missing.
"""
import json
import re
import statistics
import sys

# (label, numerator, denominator, target or None for informative rows)
RATIOS = [
    ("decode 64 MiB (zero copy) / memcpy", "BM_Decode64MiB", "BM_Memcpy64MiB", 1.2),
    ("encode 64 MiB to Encoded (writev) / memcpy", "BM_Encode64MiB", "BM_Memcpy64MiB", 1.2),
    ("encode 64 MiB + flatten() / memcpy", "BM_Encode64MiB_Flatten", "BM_Memcpy64MiB", None),
    ("encode 64 MiB + copy into buffer / memcpy", "BM_Encode64MiB_CopyIntoBuffer", "BM_Memcpy64MiB", None),
    ("decode 64 MiB + values<float>() / memcpy", "BM_Decode64MiB_ValuesCopy", "BM_Memcpy64MiB", None),
    ("decode 64 MiB + copy into buffer / memcpy", "BM_Decode64MiB_CopyIntoBuffer", "BM_Memcpy64MiB", None),
    ("encode 64 MiB + flatten() / memcpy into new vector", "BM_Encode64MiB_Flatten", "BM_Memcpy64MiB_NewVector", None),
    ("decode 64 MiB + values<float>() / memcpy into new vector", "BM_Decode64MiB_ValuesCopy",
     "BM_Memcpy64MiB_NewVector", None),
    ("decode 1000 small / memcpy", "BM_Decode1000Small", "BM_Memcpy1000Small", None),
    ("encode 1000 small / memcpy", "BM_Encode1000Small", "BM_Memcpy1000Small", None),
]

# runner_bench: (label, numerator, denominator or None, direction, target or None).
# numerator/denominator are (benchmark, field): field is a counter (p50_us, p99_us,
# peak_rss_x_tensor, ...) or bytes_per_second. Benchmark names are given without
# Google Benchmark's suffixes (/iterations:N, /real_time, /manual_time, /min_time:T).
# direction "<=": the ratio must not exceed the target; ">=": must reach it.
RUNNER_RATIOS = [
    ("small round trip p50: mock core + noop / plain ping-pong",
     ("BM_RunnerRoundTrip_Small", "p50_us"), ("BM_PlainPingPong_Small", "p50_us"), "<=", 1.5),
    ("small round trip p99: mock core + noop / plain ping-pong",
     ("BM_RunnerRoundTrip_Small", "p99_us"), ("BM_PlainPingPong_Small", "p99_us"), "<=", None),
    ("small round trip p50: direct client + noop / plain",
     ("BM_RunnerDirect_Small", "p50_us"), ("BM_PlainPingPong_Small", "p50_us"), "<=", None),
    ("echo 1 MiB throughput: mock core + noop / plain",
     ("BM_RunnerEcho/1", "bytes_per_second"), ("BM_PlainEcho/1", "bytes_per_second"), ">=", None),
    ("echo 16 MiB throughput: mock core + noop / plain",
     ("BM_RunnerEcho/16", "bytes_per_second"), ("BM_PlainEcho/16", "bytes_per_second"), ">=", None),
    ("echo 256 MiB throughput: mock core + noop / plain",
     ("BM_RunnerEcho/256", "bytes_per_second"), ("BM_PlainEcho/256", "bytes_per_second"), ">=", 0.6),
    ("echo 256 MiB throughput: direct client + noop / plain",
     ("BM_RunnerDirectEcho/256", "bytes_per_second"), ("BM_PlainEcho/256", "bytes_per_second"), ">=", None),
    ("runner peak RSS / tensor size, 1 MiB echo",
     ("BM_RunnerEcho/1", "peak_rss_x_tensor"), None, "<=", None),
    ("runner peak RSS / tensor size, 16 MiB echo",
     ("BM_RunnerEcho/16", "peak_rss_x_tensor"), None, "<=", None),
    ("runner peak RSS / tensor size, 256 MiB echo",
     ("BM_RunnerEcho/256", "peak_rss_x_tensor"), None, "<=", 1.5),
]

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
SUFFIX = re.compile(r"/(iterations:\d+|real_time|manual_time|min_time:[0-9.]+|repeats:\d+|threads:\d+)(?=/|$)")


def times_ns(report):
    """Benchmark name -> real time in ns (median aggregate if present, else mean of runs)."""
    medians, runs = {}, {}
    for b in report["benchmarks"]:
        t = b["real_time"] * TO_NS[b.get("time_unit", "ns")]
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = t
        else:
            runs.setdefault(name, []).append(t)
    out = {name: statistics.mean(ts) for name, ts in runs.items()}
    out.update(medians)
    return out


def fields(report):
    """Benchmark name without suffixes -> {field: value} (median aggregate if present, else
    the mean of its runs), for every numeric field: counters, bytes_per_second, real_time."""
    medians, runs = {}, {}
    for b in report["benchmarks"]:
        name = SUFFIX.sub("", b.get("run_name", b["name"]))
        values = {k: v for k, v in b.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = values
        else:
            runs.setdefault(name, []).append(values)
    out = {}
    for name, rs in runs.items():
        out[name] = {k: statistics.mean(r[k] for r in rs) for k in rs[0] if all(k in r for r in rs)}
    out.update(medians)
    return out


def fmt_value(field, v):
    if field == "bytes_per_second":
        return f"{v / 1e6:.4g} MB/s"
    if field.endswith("_us"):
        return fmt_time(v * 1e3)
    return f"{v:.3g}"


def runner_table(report):
    f = fields(report)
    status = 0
    print(f"{'ratio':58} {'value':>8}  {'numerator':>12} {'denominator':>12}  target")
    for label, num, den, direction, target in RUNNER_RATIOS:
        missing = [b for b, k in [num] + ([den] if den else []) if k not in f.get(b, {})]
        if missing:
            print(f"{label:58} {'missing':>8}  ({missing[0]} not in the report)")
            status = max(status, 2)
            continue
        n = f[num[0]][num[1]]
        r = n / f[den[0]][den[1]] if den else n
        if target is None:
            verdict = "informative"
        elif (r <= target) if direction == "<=" else (r >= target):
            verdict = f"{direction} {target}  met"
        else:
            verdict = f"{direction} {target}  MISSED"
            status = max(status, 1)
        den_text = fmt_value(den[1], f[den[0]][den[1]]) if den else ""
        print(f"{label:58} {r:8.3g}  {fmt_value(num[1], n):>12} {den_text:>12}  {verdict}")
    return status


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main():
    src = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    text = src.read()
    # --benchmark_format=json on stdout may be preceded by log lines; start at the JSON.
    report = json.loads(text[text.index("{"):])
    t = times_ns(report)
    names = set(fields(report))
    runner = any(num[0] in names or (den and den[0] in names) for _, num, den, _, _ in RUNNER_RATIOS)
    codec = any(num in t or den in t for _, num, den, _ in RATIOS)
    status = 0
    if runner:
        status = runner_table(report)
        if not codec:
            return status
        print()

    malloc = report.get("context", {}).get("malloc")
    if malloc:
        print(f"malloc: {malloc}")
    print(f"{'ratio':58} {'value':>10}  {'numerator':>10} {'denominator':>11}  target")
    for label, num, den, target in RATIOS:
        if num not in t or den not in t:
            print(f"{label:58} {'missing':>10}  ({num if num not in t else den} not in the report)")
            status = max(status, 2)
            continue
        r = t[num] / t[den]
        if target is None:
            verdict = "informative"
        elif r <= target:
            verdict = f"<= {target}  met"
        else:
            verdict = f"<= {target}  MISSED"
            status = max(status, 1)
        print(f"{label:58} {r:10.3g}  {fmt_time(t[num]):>10} {fmt_time(t[den]):>11}  {verdict}")
    return status


if __name__ == "__main__":
    sys.exit(main())
