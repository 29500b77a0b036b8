#!/usr/bin/python3
"""What the sandbox costs a runner (docs/sandbox.md, "Cost"): start-up and the small
round trip, each with CARTON_RUNNER_SANDBOX unset (confined) and =off, and their ratio.

  /usr/bin/python3 bench/sandbox_cost.py RUNNER [--ref-core PATH] [--starts N] [--infers N]

Start-up: N runs of `RUNNER --version`, which goes through run()'s whole confinement
(no_new_privs, capabilities, Landlock, seccomp, the re-exec) and exits after parsing
the command line: the cost of confining, on top of a process start. Round trip: the
median of `ref-core RUNNER bench-latency N` (carton's real core; skipped without
--ref-core), which includes every syscall the seccomp filter sees on the request path.
Alternating runs, so that a noisy moment on a shared machine falls on both sides.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def env(mode):
    e = dict(os.environ)
    e.pop("CARTON_RUNNER_SANDBOX", None)
    if mode == "off":
        e["CARTON_RUNNER_SANDBOX"] = "off"
    return e


def start_ms(runner, mode):
    """Wall time and CPU time (user + system, from wait4) of one start, in ms. On a
    shared machine the CPU time is the steadier figure."""
    t = time.perf_counter()
    p = subprocess.Popen([runner, "--version"], env=env(mode), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t) * 1e3
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{runner} --version exited {p.returncode}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1e3


def latency_us(ref_core, runner, mode, n):
    e = env(mode)
    e["REF_CORE_QUIET_LOGS"] = "1"
    out = subprocess.run([ref_core, os.path.abspath(runner), "bench-latency", str(n)], env=e, capture_output=True, text=True,
                         check=True, cwd="/tmp").stdout
    fields = dict(kv.split("=") for kv in out.split() if "=" in kv)
    return float(fields["median_us"]), float(fields["p99_us"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runner")
    ap.add_argument("--ref-core")
    ap.add_argument("--starts", type=int, default=50)
    ap.add_argument("--infers", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()

    starts = {"on": [], "off": []}
    for _ in range(a.starts):
        for mode in ("on", "off"):
            starts[mode].append(start_ms(a.runner, mode))
    for i, what in ((0, "wall"), (1, "cpu")):
        on = statistics.median(x[i] for x in starts["on"])
        off = statistics.median(x[i] for x in starts["off"])
        print(f"start-up (--version) {what} time, median of {a.starts}: confined {on:.2f} ms, off {off:.2f} ms, "
              f"ratio {on / off:.2f}, cost {on - off:+.2f} ms")

    if not a.ref_core:
        print("round trip: skipped (no --ref-core)")
        return 0
    lat = {"on": [], "off": []}
    for _ in range(a.rounds):
        for mode in ("on", "off"):
            lat[mode].append(latency_us(a.ref_core, a.runner, mode, a.infers))
    on = statistics.median(x[0] for x in lat["on"])
    off = statistics.median(x[0] for x in lat["off"])
    on99 = statistics.median(x[1] for x in lat["on"])
    off99 = statistics.median(x[1] for x in lat["off"])
    print(f"small round trip (ref-core bench-latency {a.infers}), median of {a.rounds} runs: "
          f"confined {on:.1f} us (p99 {on99:.1f}), off {off:.1f} us (p99 {off99:.1f}), ratio {on / off:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
