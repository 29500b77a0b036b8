"""The XGBoost runner's overhead table from xgboost_bench's JSON (median aggregates),
with the issue's targets: at N = 1 the runner adds at most 2x the plain ping-pong round
trip to the in-process prediction; at N = 100,000 it is within 1.10x of it; its peak RSS
at N = 100,000 is at most its RSS with the model loaded + 1.5x (input + output). Exits 1
when a target is missed.

    xgboost_overhead.py xgboost_bench.json
"""
import json
import os
import sys

# bench/'s shared helpers, from the SDK's bench folder.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench"))
from bench_rows import rows


def main(path):
    r = rows(json.load(open(path)))
    ok = True
    print("| N | in-process p50 | runner p50 | added | plain ping-pong p50 | target | met | runner CPU/request |")
    print("| ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |")
    for n in (1, 1000, 100000):
        ip = r[f"BM_Xgb_InProcess/{n}"]["p50_us"]
        rn = r[f"BM_Xgb_Runner/{n}"]["p50_us"]
        pp = r[f"BM_PlainPingPong/{n}"]["p50_us"]
        cpu = r[f"BM_Xgb_RunnerCpu/{n}"]["runner_cpu_us"]
        met, target = True, "(none)"
        if n == 1:
            met = rn - ip <= 2 * pp
            target = f"added <= 2 x ping-pong ({2 * pp:.0f} us)"
        elif n == 100000:
            met = rn <= 1.10 * ip
            target = f"runner <= 1.10 x in-process ({rn / ip:.3f}x)"
        else:
            target = f"({rn / ip:.3f}x in-process)"
        ok &= met
        print(f"| {n:,} | {ip:.0f} us | {rn:.0f} us | {rn - ip:.0f} us | {pp:.0f} us | {target} | "
              f"{'yes' if met else 'NO'} | {cpu:.0f} us |")
    big = r["BM_Xgb_Runner/100000"]
    bound = big["runner_loaded_MiB"] + 1.5 * big["request_MiB"]
    met = big["runner_peak_MiB"] <= bound
    ok &= met
    print(f"\nrunner RSS at N = 100,000: idle {big['runner_idle_MiB']:.1f} MiB, with the model "
          f"{big['runner_loaded_MiB']:.1f} MiB, peak {big['runner_peak_MiB']:.1f} MiB; bound: loaded + 1.5 x "
          f"(input + output) = {bound:.1f} MiB: {'met' if met else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
