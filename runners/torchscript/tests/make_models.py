"""Writes the TorchScript models test_torch loads, and what Python's torch computes
for the test's inputs, into the directory given as the only argument.

Models are created at test time with Debian's python3-torch so that no binary model
is checked in and the runner is always tested against the libtorch it links.

Layout: <out>/<model>/model.pt, one directory per model (each is served to the runner
as a model directory), and <out>/expected/ with the inputs and the outputs:
  cases.txt      one line per numeric case: key dtype shape strides
                 (shape and strides comma-separated, "scalar" for a 0-d shape,
                 "-" for no strides); <key>.in is the input storage as raw
                 little-endian bytes, <key>.out the doubled result, contiguous
  strings.txt    the string outputs of the "mixed" model for the inputs the test
                 sends: lines "<output key>\t<value>", in list order
"""
import os
import sys
from typing import Any, Dict, List

import torch


class Doubler(torch.nn.Module):
    # Dict[str, Tensor]: the runner must build the input dict with value type Tensor.
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        out: Dict[str, torch.Tensor] = {}
        for k, v in inputs.items():
            out[k] = v * 2
        return out


class Mixed(torch.nn.Module):
    # Like carton's own test model: Dict[str, Any] holding a tensor, a str and a
    # List[str]; returns a tensor, a str, a List[str] and a List[Any] of strings.
    def forward(self, inputs: Dict[str, Any]) -> Dict[str, Any]:
        a = inputs["a"]
        b = inputs["b"]
        c = inputs["c"]
        assert isinstance(a, torch.Tensor)
        assert isinstance(b, str)
        assert isinstance(c, List[str])
        generic: List[Any] = ["generic", b]
        reversed_c: List[str] = []
        for s in c:
            reversed_c.insert(0, s)
        return {
            "doubled": a * 2,
            "string": b.upper(),
            "stringlist": reversed_c,
            "generic": generic,
            "empty": torch.jit.annotate(List[str], []),
        }


class CountInputs(torch.nn.Module):
    # Dict[str, Any] with only tensors given: the runner must follow the annotation,
    # because Dict[str, Tensor] is not accepted where Dict[str, Any] is declared.
    def forward(self, inputs: Dict[str, Any]) -> Dict[str, torch.Tensor]:
        return {"count": torch.tensor(len(inputs))}


class Throws(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        if len(inputs) >= 0:
            raise RuntimeError("deliberate failure in forward")
        return inputs


class BoolOutput(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return {"mask": inputs["x"] > 0}


class NotADict(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        return inputs["x"]


class IntOutput(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, int]:
        return {"n": len(inputs)}


class IntKeys(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[int, torch.Tensor]:
        return {7: inputs["x"]}


class Identity(torch.nn.Module):
    # Returns its input tensor itself: the output aliases the request's storage.
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return {"same": inputs["x"], "transposed": inputs["x"].t()}


class ColumnSums(torch.nn.Module):
    # Not batch-polymorphic: its output is per column, not per row, so requests merged
    # along dimension 0 must each be run again alone.
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return {"sums": inputs["x"].sum(0)}


MODELS = {
    "column_sums": ColumnSums,
    "doubler": Doubler,
    "mixed": Mixed,
    "count_inputs": CountInputs,
    "throws": Throws,
    "bool_output": BoolOutput,
    "not_a_dict": NotADict,
    "int_output": IntOutput,
    "int_keys": IntKeys,
    "identity": Identity,
}

# dtype name on the wire -> torch dtype; the runner's seven numeric types.
DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
}


def values_for(dtype, n):
    # Extremes that wrap or overflow when doubled, so the comparison checks that the
    # runner keeps the dtype (int8 127 * 2 == -2, float32 3e38 * 2 == inf).
    if dtype.is_floating_point:
        info = torch.finfo(dtype)
        base = [1.5, -0.0, info.max, info.tiny, -3.25, 1e-3]
        return torch.tensor([base[i % len(base)] * (1 + i // len(base)) for i in range(n)], dtype=dtype)
    info = torch.iinfo(dtype)
    base = [0, 1, -1 if info.min < 0 else 2, info.max, info.min, info.max // 3 + 1]
    return torch.tensor([base[i % len(base)] for i in range(n)], dtype=dtype)


def write_bytes(path, t):
    with open(path, "wb") as f:
        f.write(t.contiguous().numpy().tobytes())  # numpy writes native = little-endian here


def main(out):
    for name, cls in MODELS.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        torch.jit.save(torch.jit.script(cls()), os.path.join(out, name, "model.pt"))

    doubler = torch.jit.load(os.path.join(out, "doubler", "model.pt"))
    exp = os.path.join(out, "expected")
    os.makedirs(exp, exist_ok=True)
    lines = []

    def case(key, dtype_name, storage, shape, strides):
        view = storage.as_strided(shape, strides) if strides else storage.reshape(shape)
        result = doubler({"x": view})["x"]
        assert result.dtype == storage.dtype
        write_bytes(os.path.join(exp, key + ".in"), storage)
        write_bytes(os.path.join(exp, key + ".out"), result)
        shape_s = ",".join(str(d) for d in shape) if shape else "scalar"
        strides_s = ",".join(str(s) for s in strides) if strides else "-"
        lines.append(f"{key} {dtype_name} {shape_s} {strides_s}")

    for dtype_name, dtype in DTYPES.items():
        case(dtype_name, dtype_name, values_for(dtype, 12), [3, 4], None)
        # A transposed view: element strides (1, 3) over 12 stored elements.
        case(dtype_name + "_strided", dtype_name, values_for(dtype, 12), [3, 4], [1, 3])
    case("scalar", "float64", torch.tensor([2.75], dtype=torch.float64), [], None)
    # Every other element of 10: stride 2, and the last stored element is never read.
    case("every_other", "int32", values_for(torch.int32, 10), [5], [2])
    with open(os.path.join(exp, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

    mixed = torch.jit.load(os.path.join(out, "mixed", "model.pt"))
    a = values_for(torch.float32, 4)
    got = mixed({"a": a, "b": "héllo wörld", "c": ["one", "two", "three"]})
    with open(os.path.join(exp, "strings.txt"), "w", encoding="utf-8") as f:
        f.write("string\t" + got["string"] + "\n")
        for s in got["stringlist"]:
            f.write("stringlist\t" + s + "\n")
        for s in got["generic"]:
            f.write("generic\t" + s + "\n")
    write_bytes(os.path.join(exp, "mixed_a.in"), a)
    write_bytes(os.path.join(exp, "mixed_a.out"), got["doubled"])


if __name__ == "__main__":
    main(sys.argv[1])
