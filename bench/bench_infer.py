"""A framework runner against the SDK's noop runner, both driven by carton's real core
(`ref-core bench-infer` from a directory laid out like shared/ref: REF_DIR/carton-0.0.1/),
at several client counts: rps, p50 and p99 of each, and the runner/noop ratios.

The two runners take turns (runner, noop, runner, ...) for ROUNDS rounds at each client
count, so drift of a noisy machine hits both alike; each figure is the median over the
rounds, and each ratio the median of the round-by-round ratios. The noop answers the
same input JSON (it echoes it), so both pay the same request and reply sizes.

With IN_PROCESS set to a command that prints "rps=N" (the framework run in-process by
one caller, e.g. runners/onnx/bench's onnx_stream), it also runs in every round, after
the two runners, and the table gains its median rate and the median of the round-by-
round runner / in-process ratios.

Usage: bench/bench_infer.py REF_DIR RUNNER MODEL_DIR INPUT_JSON [--opt k=int:5]...
Environment: ROUNDS (5), CLIENTS ("1 4 16 64"), REQUESTS (4000), WARMUP (200),
NOOP (build/examples/noop_runner/carton-runner-noop), CORE (carton-0.0.1), IN_PROCESS.
Prints a Markdown table; exits 2 on a usage error, 1 when ref-core fails.
"""

import os
import re
import shlex
import statistics
import subprocess
import sys

ROUNDS = int(os.environ.get("ROUNDS", "5"))
CLIENTS = [int(c) for c in os.environ.get("CLIENTS", "1 4 16 64").split()]
REQUESTS = os.environ.get("REQUESTS", "4000")
WARMUP = os.environ.get("WARMUP", "200")
CORE = os.environ.get("CORE", "carton-0.0.1")
PATTERN = re.compile(r"rps=([\d.]+) p50_us=([\d.]+) p99_us=([\d.]+)")
IN_PROCESS = shlex.split(os.environ.get("IN_PROCESS", ""))


def bench(ref_core, runner, model_dir, input_json, opts, clients):
    args = [ref_core, runner, "bench-infer", "--dir", model_dir, "--input", input_json, "--clients", str(clients),
            "--requests", REQUESTS, "--warmup", WARMUP]
    for o in opts:
        args += ["--opt", o]
    env = dict(os.environ, REF_CORE_QUIET_LOGS="1")
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    m = PATTERN.search(out.stdout)
    if out.returncode != 0 or not m:
        sys.exit(f"bench_infer: {' '.join(args)} exited {out.returncode}:\n{out.stdout}{out.stderr}")
    return [float(v) for v in m.groups()]  # rps, p50, p99


def in_process():
    out = subprocess.run(IN_PROCESS, capture_output=True, text=True, timeout=600)
    m = re.search(r"rps=([\d.]+)", out.stdout)
    if out.returncode != 0 or not m:
        sys.exit(f"bench_infer: {' '.join(IN_PROCESS)} exited {out.returncode}:\n{out.stdout}{out.stderr}")
    return float(m.group(1))


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    ref, runner, model_dir, input_json = (os.path.abspath(a) for a in argv[1:5])
    opts = [a for a in argv[5:] if a != "--opt"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    noop = os.environ.get("NOOP", os.path.join(root, "build", "examples", "noop_runner", "carton-runner-noop"))
    ref_core = os.path.join(ref, CORE, "ref-core")
    for path in (ref_core, runner, noop):
        if not os.access(path, os.X_OK):
            print(f"bench_infer: {path} is not an executable", file=sys.stderr)
            return 2
    print(f"{os.path.basename(runner)} on {model_dir}, input {os.path.basename(input_json)}, "
          f"{REQUESTS} requests, {ROUNDS} rounds, medians")
    extra = " in-process rps | runner / in-process |" if IN_PROCESS else ""
    print("| clients | runner rps | noop rps | rps ratio | runner p50 us | noop p50 us | p50 ratio "
          "| runner p99 us | noop p99 us |" + extra)
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if IN_PROCESS else ""))
    for clients in CLIENTS:
        r, n, f = [], [], []
        for _ in range(ROUNDS):
            r.append(bench(ref_core, runner, model_dir, input_json, opts, clients))
            n.append(bench(ref_core, noop, model_dir, input_json, [], clients))
            if IN_PROCESS:
                f.append(in_process())
        med = lambda rows, i: statistics.median(x[i] for x in rows)
        rps_ratio = statistics.median(a[0] / b[0] for a, b in zip(r, n))
        p50_ratio = statistics.median(a[1] / b[1] for a, b in zip(r, n))
        tail = ""
        if IN_PROCESS:
            tail = f" {statistics.median(f):,.0f} | {statistics.median(a[0] / b for a, b in zip(r, f)):.2f} |"
        print(f"| {clients} | {med(r, 0):,.0f} | {med(n, 0):,.0f} | {rps_ratio:.2f} | {med(r, 1):.0f} | "
              f"{med(n, 1):.0f} | {p50_ratio:.2f} | {med(r, 2):.0f} | {med(n, 2):.0f} |" + tail, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
