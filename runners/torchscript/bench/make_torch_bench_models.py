"""Writes the TorchScript models torch_bench times into the directory given as the only
argument, one model directory (holding model.pt) per model:

  small/   y = x * 2     for each input x (the small-request latency)
  add/     y = x + 1     a new tensor of the input's size (64 MiB in, 64 MiB out)
  sum/     y = x.sum()   a 0-d tensor (64 MiB in, 4 bytes out)
(add and sum take their one input x under any name.)

Every model takes and returns Dict[str, Tensor], as carton's TorchScript runner calls
forward(). They are made at benchmark time with Debian's python3-torch
(/usr/bin/python3), so no binary model is checked in and the models always match the
libtorch the runner links.
"""
import os
import sys
from typing import Dict

import torch


class Small(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        out: Dict[str, torch.Tensor] = {}
        for k, v in inputs.items():
            out[k] = v * 2
        return out


# add and sum take their one input under any name: the benchmark picks the name that
# puts the tensor's storage at the frame offset it wants.
class Add(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        out: Dict[str, torch.Tensor] = {}
        for v in inputs.values():
            out["y"] = v + 1
        return out


class Sum(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        out: Dict[str, torch.Tensor] = {}
        for v in inputs.values():
            out["y"] = v.sum()
        return out


MODELS = {"small": Small, "add": Add, "sum": Sum}


def main(out):
    for name, cls in MODELS.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        torch.jit.save(torch.jit.script(cls()), os.path.join(out, name, "model.pt"))


if __name__ == "__main__":
    main(sys.argv[1])
