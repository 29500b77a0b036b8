"""The ONNX runner through carton's real core (ref-core load-infer), opt-in: the
exported models' outputs must equal torch's to 1e-4, as through the mock core.

    ref_core_check.py REF_CORE RUNNER MODELS

MODELS is make_models.py's output. For the 2023-09 core the runner is told the
revision (CARTON_CORE_REVISION=2023-09), which carton itself cannot signal; the test
sets it in the environment, which ref-core passes on to the runner.
Prints "N passed, M failed".
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CASES = {"mlp": (["x"], ["y"]), "cnn": (["image"], ["probs"]), "two_io": (["left", "right"], ["sum", "gate"])}
TOLERANCE = 1e-4


def load(models, key):
    shapes = dict(line.split() for line in open(os.path.join(models, "expected", "shapes.txt")) if line.strip())
    shape = [int(d) for d in shapes[key].split(",")]
    return np.fromfile(os.path.join(models, "expected", key), "<f4").reshape(shape)


def main(ref_core, runner, models):
    passed = failed = 0
    for name, (inputs, outputs) in CASES.items():
        for batch in (1, 5):
            tensors = {}
            for i in inputs:
                a = load(models, f"{name}.b{batch}.{i}.in")
                tensors[i] = {"dtype": "float32", "shape": list(a.shape), "data": a.ravel().tolist()}
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump(tensors, f)
            try:
                run = subprocess.run([ref_core, runner, "load-infer", "--dir", os.path.join(models, name),
                                      "--input", f.name, "--runner-name", "onnx", "--framework-version", ">=1.12"],
                                     capture_output=True, text=True, timeout=300)
            finally:
                os.unlink(f.name)
            line = next((l for l in run.stdout.splitlines() if l.startswith("OUTPUT ")), None)
            problems = []
            if line is None:
                problems.append(f"no OUTPUT (exit {run.returncode}): {run.stdout.strip()} {run.stderr.strip()[-400:]}")
            else:
                got = json.loads(line[len("OUTPUT "):])
                for o in outputs:
                    want = load(models, f"{name}.b{batch}.{o}.out")
                    g = np.array(got[o]["data"], dtype=np.float64).reshape(got[o]["shape"])
                    if got[o]["dtype"] != "float32" or list(g.shape) != list(want.shape):
                        problems.append(f"{o}: {got[o]['dtype']} {list(g.shape)}, expected float32 {list(want.shape)}")
                        continue
                    err = np.abs(g - want) / np.maximum(1.0, np.abs(want))
                    if not (err <= TOLERANCE).all():
                        problems.append(f"{o}: worst error {err.max():.3g} > {TOLERANCE}")
            label = f"{name} batch {batch}"
            if problems:
                failed += 1
                print(f"FAIL {label}: {'; '.join(problems)}")
            else:
                passed += 1
                print(f"PASS {label}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
