"""The ONNX runner through carton's own pack, load and infer (ref-carton), opt-in:
make_models.py's exported models, each packed from its model.onnx and from its folder,
loaded from the .carton and from the unpacked folder, must give torch's outputs (which
make_models.py recorded) at batch 5 to 1e-4, as through the mock core
(tests/conformance/ref_carton_matrix.py).

    ref_carton_check.py REF_CARTON RUNNER_DIR MODELS

RUNNER_DIR holds the build's runner.toml files (carton finds the runner there through
CARTON_RUNNER_DIR); MODELS is make_models.py's output.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "conformance"))
from ref_carton_matrix import Case, json_tensor, run_matrix  # noqa: E402

# The same models, inputs and tolerance as the ref-core check beside this file.
from ref_core_check import CASES, TOLERANCE, load as recorded  # noqa: E402


def main(ref_carton, runner_dir, models):
    cases = []
    for name, (inputs, outputs) in CASES.items():
        folder = os.path.join(models, name)
        cases.append(Case(name, os.path.join(folder, "model.onnx"), folder,
                          {i: json_tensor(recorded(models, f"{name}.b5.{i}.in")) for i in inputs},
                          {o: recorded(models, f"{name}.b5.{o}.out").astype(np.float32) for o in outputs},
                          TOLERANCE))
    return run_matrix(ref_carton, runner_dir, "onnx", ["model.onnx"], cases)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
