"""The ONNX runner's overhead table from onnx_bench's JSON (median aggregates), with the
issue's targets: at batch 1 the runner adds at most 2x the plain ping-pong round trip
to OpenCV's in-process time; at batch 64 it is within 1.05x of it. Exits 1 when a
target is missed.

    onnx_overhead.py onnx_bench.json
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
    print("| batch | OpenCV in-process p50 | runner p50 | added | plain ping-pong p50 | target | met | runner CPU/request | runner peak RSS |")
    print("| ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |")
    for batch in (1, 64):
        cv = r[f"BM_Cnn_InProcess/{batch}"]["p50_us"]
        rn = r[f"BM_Cnn_Runner/{batch}"]["p50_us"]
        pp = r[f"BM_PlainPingPong/{batch}"]["p50_us"]
        cpu = r[f"BM_Cnn_RunnerCpu/{batch}"]["runner_cpu_us"]
        rss = r[f"BM_Cnn_Runner/{batch}"]["runner_peak_MiB"]
        if batch == 1:
            met = rn - cv <= 2 * pp
            target = f"added <= 2 x ping-pong ({2 * pp:.0f} us)"
        else:
            met = rn <= 1.05 * cv
            target = f"runner <= 1.05 x in-process ({rn / cv:.3f}x)"
        ok &= met
        print(f"| {batch} | {cv:.0f} us | {rn:.0f} us | {rn - cv:.0f} us | {pp:.0f} us | {target} | "
              f"{'yes' if met else 'NO'} | {cpu:.0f} us | {rss:.0f} MiB |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
