"""Writes the ONNX models test_onnx and the conformance tests load, and what torch
computes for the test's inputs, into the directory given as the only argument.

The models are exported at test time with Debian's python3-torch (torch.onnx.export),
so no binary model is checked in. Layout: <out>/<model>/model.onnx, one directory per
model (each is served to the runner as a model directory), and <out>/expected/:
  <model>.<name>.in / .out   an input or an output as raw little-endian float32, C order
  shapes.txt                 "<model>.<name> d0,d1,..." for each of those files
  <model>_check.json         batch 5's inputs and torch's outputs as a carton-conformance
                             --model-check file (tolerance 1e-4)
Damaged models (truncated, flipped bytes, an empty graph, an unsupported operator)
sit beside the good ones; test_onnx's error tests name them.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import helper, TensorProto

torch.manual_seed(20)
OPSET = 13


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))

    def forward(self, x):
        return self.net(x)


class CNN(torch.nn.Module):
    # A small CIFAR-sized classifier (3 x 32 x 32 in, 10 classes out): conv + batch norm
    # + ReLU + pool + linear + softmax, what OpenCV fuses. runners/onnx/bench/onnx_bench times it.
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1))
        self.head = torch.nn.Linear(64, 10)

    def forward(self, image):
        return torch.softmax(self.head(torch.flatten(self.features(image), 1)), dim=1)


class TwoInTwoOut(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(6, 3)
        self.b = torch.nn.Linear(5, 3)

    def forward(self, left, right):
        x, y = self.a(left), self.b(right)
        return x + y, torch.sigmoid(x * y)


def export(out, name, model, args, input_names, output_names, dynamic=True):
    model.eval()
    # Batch norm statistics that are not the identity, so fusing them matters.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    axes = {n: {0: "N"} for n in input_names + output_names} if dynamic else None
    torch.onnx.export(model, args, os.path.join(d, "model.onnx"), input_names=input_names,
                      output_names=output_names, dynamic_axes=axes, opset_version=OPSET)
    return model


def write(exp, key, t, shapes):
    a = t.detach().contiguous().numpy().astype("<f4")
    a.tofile(os.path.join(exp, key))
    shapes.append(f"{key} {','.join(str(d) for d in a.shape)}")


def tensor_json(t):
    a = t.detach().contiguous().numpy().astype("<f4")
    return {"dtype": "float32", "shape": list(a.shape), "data": a.ravel().tolist()}


def main(out):
    exp = os.path.join(out, "expected")
    os.makedirs(exp, exist_ok=True)
    shapes = []
    cases = {
        "mlp": (MLP(), {"x": (16,)}, ["y"]),
        "cnn": (CNN(), {"image": (3, 32, 32)}, ["probs"]),
        "two_io": (TwoInTwoOut(), {"left": (6,), "right": (5,)}, ["sum", "gate"]),
    }
    for name, (model, inputs, outputs) in cases.items():
        example = tuple(torch.randn(1, *s) for s in inputs.values())
        export(out, name, model, example, list(inputs), outputs)
        # Batch 1, 5 and 64 through the dynamic batch axis.
        for batch in (1, 5, 64):
            xs = tuple(torch.randn(batch, *s) for s in inputs.values())
            with torch.no_grad():
                ys = model(*xs)
            ys = ys if isinstance(ys, tuple) else (ys,)
            for n, x in zip(inputs, xs):
                write(exp, f"{name}.b{batch}.{n}.in", x, shapes)
            for n, y in zip(outputs, ys):
                write(exp, f"{name}.b{batch}.{n}.out", y, shapes)
            if batch == 5:
                check = {"description": f"{name} at batch 5: torch's outputs", "rtol": 1e-4, "atol": 1e-4,
                         "inputs": {n: tensor_json(x) for n, x in zip(inputs, xs)},
                         "outputs": {n: tensor_json(y) for n, y in zip(outputs, ys)}}
                with open(os.path.join(exp, f"{name}_check.json"), "w") as f:
                    json.dump(check, f)
    # The same MLP with its batch fixed at 1: other batch sizes are refused by name.
    export(out, "mlp_static", cases["mlp"][0], (torch.randn(1, 16),), ["x"], ["y"], dynamic=False)

    good = open(os.path.join(out, "mlp", "model.onnx"), "rb").read()
    for name, data in {
        "truncated": good[: len(good) // 2],
        "flipped": bytes(b ^ 0xFF if 40 <= i < 60 else b for i, b in enumerate(good)),
        "not_onnx": b"this is not a protobuf\n" * 4,
    }.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        with open(os.path.join(out, name, "model.onnx"), "wb") as f:
            f.write(data)

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])
    opset = [helper.make_opsetid("", OPSET)]
    graphs = {
        # No nodes: ONNX allows it (y is never made), OpenCV has nothing to run.
        "empty_graph": helper.make_graph([], "empty", [x], [y]),
        # Mod has no OpenCV layer: the Load error names the node, op type and opset.
        "unsupported_op": helper.make_graph(
            [helper.make_node("Mod", ["x", "x"], ["y"], name="the_mod", fmod=1)], "mod", [x], [y]),
        # An int64 input and output: computed in float32, returned as int64.
        "int64_io": helper.make_graph(
            [helper.make_node("Neg", ["xi"], ["yi"], name="neg")], "neg",
            [helper.make_tensor_value_info("xi", TensorProto.INT64, ["N", 3])],
            [helper.make_tensor_value_info("yi", TensorProto.INT64, ["N", 3])]),
    }
    for name, g in graphs.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        onnx.save(helper.make_model(g, opset_imports=opset), os.path.join(out, name, "model.onnx"))
    with open(os.path.join(exp, "shapes.txt"), "w") as f:
        f.write("\n".join(shapes) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
