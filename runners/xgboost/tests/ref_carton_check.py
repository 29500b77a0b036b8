"""The XGBoost runner through carton's own pack, load and infer (ref-carton), opt-in:
the first case of each model make_models.py trains (JSON, UBJSON and legacy binary
files, with the case's runner options given at pack time, as a user stores them in
the manifest), packed from its model file and from its folder, loaded from the
.carton and from the unpacked folder, must give python's Booster.predict output
(which make_models.py recorded) to 1e-6 relative (tests/conformance/ref_carton_matrix.py).

    ref_carton_check.py REF_CARTON RUNNER_DIR MODELS

RUNNER_DIR holds the build's runner.toml files (carton finds the runner there through
CARTON_RUNNER_DIR); MODELS is make_models.py's output.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "conformance"))
from ref_carton_matrix import Case, run_matrix  # noqa: E402
from ref_core_check import expected  # noqa: E402  (make_models.py's recorded outputs)

MODEL_FILES = ["model.json", "model.ubj", "model.bin"]
TOLERANCE = 1e-6


def main(ref_carton, runner_dir, models):
    cases, seen = [], set()
    for line in open(os.path.join(models, "expected", "cases.txt")):
        if not line.strip():
            continue
        name, model, *opts = line.split()
        if model in seen:
            continue
        seen.add(model)
        folder = os.path.join(models, model)
        file = next(os.path.join(folder, f) for f in MODEL_FILES if os.path.exists(os.path.join(folder, f)))
        inputs = json.load(open(os.path.join(models, "expected", f"{name}.json")))
        cases.append(Case(name, file, folder, inputs, {"output": expected(models, f"{name}.output.out")},
                          TOLERANCE, opts))
    return run_matrix(ref_carton, runner_dir, "xgboost", MODEL_FILES, cases)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
