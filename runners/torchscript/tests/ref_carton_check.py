"""The TorchScript runner through carton's own pack, load and infer (ref-carton), opt-in:
make_models.py's doubler and identity, each packed from its model.pt and from its
folder, loaded from the .carton and from the unpacked folder, must give what python's
torch computes with the same model (tests/conformance/ref_carton_matrix.py).

    ref_carton_check.py REF_CARTON RUNNER_DIR MODELS

RUNNER_DIR holds the build's runner.toml files (carton finds the runner there through
CARTON_RUNNER_DIR); MODELS is make_models.py's output.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "conformance"))
from ref_carton_matrix import Case, json_tensor, run_matrix  # noqa: E402

INPUTS = {
    "doubler": {"x": np.array([[1.5, -3.0, 0.5], [1e30, -0.0, 7.25]], dtype=np.float32),
                "n": np.array([1, -2, 2**40, -(2**62)], dtype=np.int64)},
    "identity": {"x": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5},
}


def main(ref_carton, runner_dir, models):
    cases = []
    for name, inputs in INPUTS.items():
        folder = os.path.join(models, name)
        model = torch.jit.load(os.path.join(folder, "model.pt"))
        outputs = model({k: torch.from_numpy(v) for k, v in inputs.items()})
        cases.append(Case(name, os.path.join(folder, "model.pt"), folder,
                          {k: json_tensor(v) for k, v in inputs.items()},
                          {k: v.contiguous().numpy() for k, v in outputs.items()}, 0.0))
    return run_matrix(ref_carton, runner_dir, "torchscript", ["model.pt"], cases)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
