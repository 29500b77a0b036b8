"""The XGBoost runner through carton's real core (ref-core load-infer), opt-in: every
case of make_models.py (its model, runner options and inputs) must give python's
Booster.predict output to 1e-6 relative, as through the mock core.

    ref_core_check.py REF_CORE RUNNER MODELS

MODELS is make_models.py's output. For the 2023-09 core the runner is told the
revision (CARTON_CORE_REVISION=2023-09), which carton itself cannot signal; the test
sets it in the environment, which ref-core passes on to the runner.
Prints a line per case, the largest difference, then "N passed, M failed".
"""
import json
import os
import subprocess
import sys

import numpy as np

TOLERANCE = 1e-6


def expected(models, key):
    for line in open(os.path.join(models, "expected", "shapes.txt")):
        k, dtype, dims = line.split()
        if k == key:
            shape = [] if dims == "-" else [int(d) for d in dims.split(",")]
            return np.fromfile(os.path.join(models, "expected", key), np.dtype(dtype).newbyteorder("<")).reshape(shape)
    raise KeyError(key)


def main(ref_core, runner, models):
    passed = failed = 0
    worst = 0.0
    for line in open(os.path.join(models, "expected", "cases.txt")):
        if not line.strip():
            continue
        name, model, *opts = line.split()
        command = [ref_core, runner, "load-infer", "--dir", os.path.join(models, model),
                   "--input", os.path.join(models, "expected", f"{name}.json"),
                   "--runner-name", "xgboost", "--framework-version", ">=1.7"]
        for o in opts:
            command += ["--opt", o]
        run = subprocess.run(command, capture_output=True, text=True, timeout=300)
        out = next((l for l in run.stdout.splitlines() if l.startswith("OUTPUT ")), None)
        problem = None
        if out is None:
            problem = f"no OUTPUT (exit {run.returncode}): {run.stdout.strip()} {run.stderr.strip()[-400:]}"
        else:
            got = json.loads(out[len("OUTPUT "):])["output"]
            want = expected(models, f"{name}.output.out")
            g = np.array([float(v) for v in got["data"]], dtype=np.float64).reshape(got["shape"])
            if got["dtype"] != "float32" or list(g.shape) != list(want.shape):
                problem = f"{got['dtype']} {list(g.shape)}, expected float32 {list(want.shape)}"
            else:
                err = float((np.abs(g - want) / np.maximum(1.0, np.abs(want))).max())
                worst = max(worst, err)
                if not err <= TOLERANCE:
                    problem = f"largest difference {err:.3g} > {TOLERANCE}"
        if problem:
            failed += 1
            print(f"FAIL {name}: {problem}")
        else:
            passed += 1
            print(f"PASS {name}")
    print(f"largest relative difference from python's predict: {worst:g}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
