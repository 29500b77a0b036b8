"""Writes damaged copies of ONNX backend corpus models, to find out what a corrupt or
hostile model.onnx does to an importer (docs/runners/onnx.md, "Corrupt models").

    mutate.py OUT [--corpus DIR] [--random N]

Each mutant is a test directory OUT/mutants/<base>__<mutation> holding the damaged
model.onnx and the base test's data sets, so carton-onnx-corpus runs it like any
corpus test (each in a child process: a crash or a hang is recorded, not fatal).

Two kinds of damage:
  bytes     the serialized file: truncated, bytes flipped, a length prefix made huge
            (N random ones per base with --random, seeded, so a run repeats)
  fields    a model that still parses but lies: an initializer with less data than its
            dims, dims negative or huge, a node reading a name nothing defines, an
            attribute of the wrong type or an absurd value, no nodes, no opset, ...
"""
import argparse
import os
import random
import shutil

import onnx
from onnx import helper, numpy_helper, TensorProto

CORPUS = "/usr/share/libonnx-testdata/data"
# Models with initializers, attributes and the common layers (conv, pool, gemm,
# gather, reshape, batchnorm, transpose, concat, slice, conv-transpose).
BASES = [
    "pytorch-converted/test_Conv2d",
    "pytorch-converted/test_Linear",
    "pytorch-converted/test_Embedding",
    "pytorch-converted/test_BatchNorm2d_eval",
    "pytorch-converted/test_ConvTranspose2d",
    "pytorch-converted/test_MaxPool2d",
    "pytorch-converted/test_PReLU_2d_multiparam",
    "node/test_reshape_reordered_all_dims",
    "node/test_transpose_all_permutations_0",
    "node/test_concat_2d_axis_0",
    "node/test_slice",
    "node/test_gather_0",
    "node/test_conv_with_strides_padding",
    "node/test_lrn",
]


def initializer(m):
    return m.graph.initializer[0] if m.graph.initializer else None


def first_node(m):
    return m.graph.node[0]


def attr(node, name):
    for a in node.attribute:
        if a.name == name:
            return a
    return None


# ---- field mutations: each changes a parsed model in place, or returns False when it
# does not apply to this model ----

def init_half_data(m):
    t = initializer(m)
    if t is None or not t.raw_data:
        return False
    t.raw_data = t.raw_data[: len(t.raw_data) // 2]
    return True


def init_no_data(m):
    t = initializer(m)
    if t is None:
        return False
    t.ClearField("raw_data")
    t.ClearField("float_data")
    return True


def init_dims_grown(m):
    t = initializer(m)
    if t is None:
        return False
    t.dims[0] = t.dims[0] * 1000 + 7
    return True


def init_dim_negative(m):
    t = initializer(m)
    if t is None or not t.dims:
        return False
    t.dims[0] = -3
    return True


def init_dim_huge(m):
    t = initializer(m)
    if t is None or not t.dims:
        return False
    t.dims[0] = 1 << 40
    return True


def init_dims_overflow(m):
    # The product wraps int64 to a small number.
    t = initializer(m)
    if t is None:
        return False
    del t.dims[:]
    t.dims.extend([1 << 32, 1 << 32, 1])
    return True


def init_no_dims(m):
    t = initializer(m)
    if t is None or len(t.dims) < 2:
        return False
    del t.dims[:]
    return True


def init_wrong_type(m):
    t = initializer(m)
    if t is None:
        return False
    t.data_type = TensorProto.STRING
    return True


def init_undefined_type(m):
    t = initializer(m)
    if t is None:
        return False
    t.data_type = 0
    return True


def init_type_out_of_range(m):
    t = initializer(m)
    if t is None:
        return False
    t.data_type = 77
    return True


def input_unknown_name(m):
    first_node(m).input[0] = "no_such_value"
    return True


def inputs_removed(m):
    del first_node(m).input[:]
    return True


def too_many_inputs(m):
    first_node(m).input.extend([first_node(m).input[0]] * 5)
    return True


def outputs_removed(m):
    del first_node(m).output[:]
    return True


def op_unknown(m):
    first_node(m).op_type = "NoSuchOp"
    return True


def op_empty(m):
    first_node(m).op_type = ""
    return True


def no_nodes(m):
    del m.graph.node[:]
    return True


def no_graph_inputs(m):
    del m.graph.input[:]
    return True


def no_graph_outputs(m):
    del m.graph.output[:]
    return True


def output_unknown(m):
    m.graph.output[0].name = "nothing_makes_this"
    return True


def cycle(m):
    n = first_node(m)
    n.input[0] = n.output[0]
    return True


def no_opset(m):
    del m.opset_import[:]
    return True


def opset_zero(m):
    for o in m.opset_import:
        o.version = 0
    return True


def opset_future(m):
    for o in m.opset_import:
        o.version = 10000
    return True


def input_dims_huge(m):
    d = m.graph.input[0].type.tensor_type.shape.dim
    if not d:
        return False
    d[0].dim_value = 1 << 40
    return True


def input_dims_negative(m):
    d = m.graph.input[0].type.tensor_type.shape.dim
    if not d:
        return False
    d[0].dim_value = -5
    return True


def input_rank_huge(m):
    shape = m.graph.input[0].type.tensor_type.shape
    for _ in range(40):
        shape.dim.add().dim_value = 1
    return True


def input_no_type(m):
    m.graph.input[0].ClearField("type")
    return True


def attr_wrong_type(m):
    n = first_node(m)
    if not n.attribute:
        return False
    a = n.attribute[0]
    a.type = onnx.AttributeProto.STRING if a.type != onnx.AttributeProto.STRING else onnx.AttributeProto.INT
    return True


def attr_values_cleared(m):
    n = first_node(m)
    if not n.attribute:
        return False
    for a in n.attribute:
        a.ClearField("ints")
        a.ClearField("floats")
        a.ClearField("i")
    return True


def attr_values_huge(m):
    n = first_node(m)
    if not n.attribute:
        return False
    for a in n.attribute:
        if a.ints:
            a.ints[:] = [1 << 31] * len(a.ints)
        if a.HasField("i"):
            a.i = 1 << 31
    return True


def attr_values_zero(m):
    n = first_node(m)
    for a in n.attribute:
        if a.ints:
            a.ints[:] = [0] * len(a.ints)
        if a.HasField("i"):
            a.i = 0
    return bool(n.attribute)


def attr_values_negative(m):
    n = first_node(m)
    for a in n.attribute:
        if a.ints:
            a.ints[:] = [-7] * len(a.ints)
        if a.HasField("i"):
            a.i = -7
    return bool(n.attribute)


def attr_list_grown(m):
    n = first_node(m)
    for a in n.attribute:
        if a.ints:
            a.ints.extend([1] * 30)
    return any(a.ints for a in n.attribute)


def attr_list_shrunk(m):
    n = first_node(m)
    for a in n.attribute:
        if len(a.ints) > 1:
            del a.ints[1:]
    return any(a.ints for a in n.attribute)


def conv_attrs_hostile(m):
    n = first_node(m)
    if n.op_type not in ("Conv", "MaxPool", "AveragePool", "ConvTranspose"):
        return False
    del n.attribute[:]
    n.attribute.extend([helper.make_attribute("kernel_shape", [1 << 20, 1 << 20]),
                        helper.make_attribute("strides", [0, 0]),
                        helper.make_attribute("pads", [-100, -100, -100, -100]),
                        helper.make_attribute("dilations", [0, 0]),
                        helper.make_attribute("group", 0)])
    return True


def gather_index_out_of_range(m):
    n = first_node(m)
    if n.op_type != "Gather":
        return False
    # A constant index far past the data's end, as a second initializer.
    t = numpy_helper.from_array(__import__("numpy").array([1 << 30, -(1 << 30)], dtype="int64"), "bad_idx")
    m.graph.initializer.append(t)
    n.input[1] = "bad_idx"
    return True


def reshape_to_nonsense(m):
    n = first_node(m)
    if n.op_type != "Reshape":
        return False
    t = numpy_helper.from_array(__import__("numpy").array([7, -1, -1, 0, 1 << 40], dtype="int64"), "bad_shape")
    m.graph.initializer.append(t)
    n.input[1] = "bad_shape"
    return True


def transpose_bad_perm(m):
    n = first_node(m)
    if n.op_type != "Transpose":
        return False
    del n.attribute[:]
    n.attribute.append(helper.make_attribute("perm", [5, 5, -9]))
    return True


def concat_bad_axis(m):
    n = first_node(m)
    if n.op_type != "Concat":
        return False
    del n.attribute[:]
    n.attribute.append(helper.make_attribute("axis", 1000))
    return True


def constant_node_lies(m):
    # A Constant node whose tensor has 1 float of data for dims [1000, 1000].
    bad = TensorProto(name="c", data_type=TensorProto.FLOAT, dims=[1000, 1000], raw_data=b"\x00\x00\x80\x3f")
    c = helper.make_node("Constant", [], ["lying_const"], value=bad)
    m.graph.node.insert(0, c)
    n = m.graph.node[1]
    if len(n.input) > 1:
        n.input[1] = "lying_const"
    else:
        n.input.append("lying_const")
    return True


def subgraph_attr_empty(m):
    a = onnx.AttributeProto()
    a.name = "body"
    a.type = onnx.AttributeProto.GRAPH
    a.g.CopyFrom(onnx.GraphProto())
    first_node(m).attribute.append(a)
    return True


FIELD_MUTATIONS = [f for name, f in sorted(globals().items()) if callable(f) and getattr(f, "__module__", "") == __name__
                   and name not in {"initializer", "first_node", "attr", "main", "byte_mutants", "write_mutant",
                                    "copy_data", "varint_positions"}]


# ---- byte mutations ----

def varint_positions(data):
    # Offsets of a length-delimited field's length (wire type 2 tags followed by a
    # varint), found by a rough scan: good enough to aim at a length prefix.
    out = []
    for i in range(len(data) - 1):
        if data[i] & 0x7 == 2 and 0 < (data[i] >> 3) < 20:
            out.append(i + 1)
    return out


def byte_mutants(data, rng, count):
    n = len(data)
    yield "truncate_1", data[:1]
    yield "truncate_half", data[: n // 2]
    yield "truncate_minus_1", data[:-1]
    yield "truncate_90pct", data[: n * 9 // 10]
    yield "empty", b""
    yield "garbage", bytes(rng.randrange(256) for _ in range(257))
    yield "zeros", bytes(n)
    for k in range(count):
        b = bytearray(data)
        for _ in range(rng.randrange(1, 17)):
            b[rng.randrange(n)] = rng.randrange(256)
        yield f"flip_{k}", bytes(b)
    lens = varint_positions(data)
    for k in range(min(count, len(lens))):
        b = bytearray(data)
        p = rng.choice(lens)
        yield f"huge_length_{k}", bytes(b[:p]) + b"\xff\xff\xff\xff\x07" + bytes(b[p + 1:])
    for k in range(min(count, len(lens))):
        b = bytearray(data)
        p = rng.choice(lens)
        b[p] = max(0, b[p] - rng.randrange(1, 5)) if b[p] < 0x80 else b[p]
        yield f"short_length_{k}", bytes(b)


def copy_data(src, dst):
    for entry in os.listdir(src):
        if entry.startswith("test_data_set_"):
            shutil.copytree(os.path.join(src, entry), os.path.join(dst, entry), dirs_exist_ok=True)


def write_mutant(out, base_dir, base_name, mutation, data):
    d = os.path.join(out, "mutants", f"{base_name}__{mutation}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(data)
    copy_data(base_dir, d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--random", type=int, default=8, help="random byte mutants of each kind per base")
    args = ap.parse_args()
    rng = random.Random(20)
    count = 0
    for base in BASES:
        base_dir = os.path.join(args.corpus, base)
        base_name = base.replace("/", "_")
        data = open(os.path.join(base_dir, "model.onnx"), "rb").read()
        for mutation, mutated in byte_mutants(data, rng, args.random):
            write_mutant(args.out, base_dir, base_name, mutation, mutated)
            count += 1
        for f in FIELD_MUTATIONS:
            m = onnx.load_from_string(data)
            if f(m) is False:
                continue
            write_mutant(args.out, base_dir, base_name, f.__name__, m.SerializeToString())
            count += 1
    print(f"{count} mutants in {os.path.join(args.out, 'mutants')}")


if __name__ == "__main__":
    main()
