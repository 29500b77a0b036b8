"""Times the SDK's runners against carton's own Rust noop runner, both driven by carton's
real core (`ref-core` from a directory laid out like shared/ref: REF_DIR/carton-0.0.1/).

Every measurement runs the runners in turn (SDK runner, Rust runner, SDK runner, ...)
for several rounds, so drift of this noisy machine hits both alike; the report gives
each figure's median over the rounds with its range, and the C++/Rust ratio computed
round by round (median and range of those ratios).

Usage: bench/vs_carton.sh REF_DIR [runner ...]   (default runner: build's noop)
Environment: ROUNDS (5), LATENCY_N (3000), THROUGHPUT_ITERS (15), RSS_MIB (256),
CORE (carton-0.0.1; the folder under REF_DIR whose ref-core and Rust noop are used).
The runners must echo their inputs (as noop runners do): throughput echoes tensors.
"""

import os
import re
import statistics
import subprocess
import sys

ROUNDS = int(os.environ.get("ROUNDS", "5"))
LATENCY_N = os.environ.get("LATENCY_N", "3000")
THROUGHPUT_ITERS = os.environ.get("THROUGHPUT_ITERS", "15")
RSS_MIB = os.environ.get("RSS_MIB", "256")
CORE = os.environ.get("CORE", "carton-0.0.1")

# (figure, ref-core arguments, regex over its output, True when larger is better)
MEASURES = [
    ("small round trip median (us)", ["bench-latency", LATENCY_N], r"median_us=([\d.]+)", False),
    ("small round trip p99 (us)", ["bench-latency", LATENCY_N], r"p99_us=([\d.]+)", False),
    ("echo 1 MiB (MB/s)", ["bench-throughput", THROUGHPUT_ITERS], r"size=1MiB .*MB/s\(size/median_rtt\)=([\d.]+)", True),
    ("echo 16 MiB (MB/s)", ["bench-throughput", THROUGHPUT_ITERS], r"size=16MiB .*MB/s\(size/median_rtt\)=([\d.]+)", True),
    ("echo 256 MiB (MB/s)", ["bench-throughput", THROUGHPUT_ITERS], r"size=256MiB .*MB/s\(size/median_rtt\)=([\d.]+)", True),
    (f"runner peak RSS at a {RSS_MIB} MiB echo (MiB)", ["bench-rss", RSS_MIB], r"runner_peak_rss_mib=([\d.]+)", False),
]


def run(ref_core, runner, args):
    env = dict(os.environ, REF_CORE_QUIET_LOGS="1")
    out = subprocess.run([ref_core, runner] + args, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        sys.exit(f"vs_carton: {runner} {' '.join(args)} exited {out.returncode}:\n{out.stdout}{out.stderr}")
    return out.stdout


def fmt(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.3g}"


def spread(values):
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}-{fmt(max(values))}]"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ref = os.path.abspath(sys.argv[1])
    ref_core = os.path.join(ref, CORE, "ref-core")
    rust = os.path.join(ref, CORE, "carton-runner-noop")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runners = [os.path.abspath(r) for r in sys.argv[2:]] or [
        os.path.join(root, "build", "examples", "noop_runner", "carton-runner-noop")]
    for path in [ref_core, rust] + runners:
        if not os.access(path, os.X_OK):
            sys.exit(f"vs_carton: {path} is not an executable")

    # One ref-core call per subcommand and runner per round; figures are read from it.
    commands = []
    for _, args, _, _ in MEASURES:
        if args not in commands:
            commands.append(args)
    samples = {}  # (runner, figure) -> [value per round]
    for rnd in range(ROUNDS):
        for args in commands:
            for runner in runners + [rust]:
                text = run(ref_core, runner, args)
                for figure, margs, pattern, _ in MEASURES:
                    if margs != args:
                        continue
                    m = re.search(pattern, text)
                    if not m:
                        sys.exit(f"vs_carton: no '{pattern}' in the output of {runner} {' '.join(args)}:\n{text}")
                    samples.setdefault((runner, figure), []).append(float(m.group(1)))
        print(f"# round {rnd + 1}/{ROUNDS} done", file=sys.stderr, flush=True)

    print(f"core: {ref_core}; {ROUNDS} alternating rounds; median [min-max]")
    for runner in runners:
        print(f"\n{runner} vs carton's Rust noop")
        print("| figure | C++ | Rust | C++/Rust per round | C++ better by |")
        print("| --- | --- | --- | --- | --- |")
        for figure, _, _, larger_better in MEASURES:
            cpp, rs = samples[(runner, figure)], samples[(rust, figure)]
            ratios = [c / r for c, r in zip(cpp, rs) if r > 0]
            med = statistics.median(ratios)
            better = med if larger_better else (1 / med if med > 0 else float("inf"))
            print(f"| {figure} | {spread(cpp)} | {spread(rs)} | {spread(ratios)} | {better:.2f}x |")
        rss = MEASURES[-1][0]
        print(f"\nrunner peak RSS / tensor at {RSS_MIB} MiB: C++ {statistics.median(samples[(runner, rss)]) / float(RSS_MIB):.2f}, "
              f"Rust {statistics.median(samples[(rust, rss)]) / float(RSS_MIB):.2f}")


if __name__ == "__main__":
    main()
