"""Trains the XGBoost models test_xgboost, the conformance tests and ref_core_check.py
load, and records what python's Booster.predict answers for the test's inputs, into
the directory given as the only argument.

The models are made at test time with Debian's python3-xgboost, the same XGBoost
(libxgboost 1.7) the runner links, so no binary model is checked in. Layout:
  <out>/<model>/model.json|model.ubj|model.bin   one model directory per model
  <out>/expected/cases.txt    one case per line: "<case> <model> [<opt>...]", each opt
                              as ref-core's --opt takes it (k=int:5, k=float:-999,
                              k=bool:true, k=str:x): the runner options of its Load
  <out>/expected/<case>.<tensor>.in   an input, raw little-endian, C order
  <out>/expected/<case>.output.out    Booster.predict's output for those inputs (float32)
  <out>/expected/shapes.txt   "<key> <dtype> d0,d1,..." for each of those files
  <out>/expected/<case>.json  the case's inputs in ref-core's JSON tensor format
  <out>/expected/regression32_check.json  a carton-conformance --model-check file
Damaged models sit beside the good ones; test_xgboost's error tests name them.
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

F = 8  # features of the test models
rng = np.random.default_rng(19)


def data(n, f=F, nan_fraction=0.0):
    x = rng.standard_normal((n, f)).astype(np.float32)
    if nan_fraction:
        x[rng.random((n, f)) < nan_fraction] = np.nan
    return x


def train(params, x, y, rounds=12, **dmatrix):
    params = {"max_depth": 4, "eta": 0.3, "seed": 19, "nthread": 1, **params}
    return xgb.train(params, xgb.DMatrix(x, label=y, **dmatrix), rounds)


def save(out, name, booster, file="model.json"):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    if file.endswith(".bin"):
        raw = booster.save_raw("deprecated")  # the legacy binary format
        open(os.path.join(d, file), "wb").write(bytes(raw))
    else:
        booster.save_model(os.path.join(d, file))
    return booster


class Expected:
    def __init__(self, out):
        self.dir = os.path.join(out, "expected")
        os.makedirs(self.dir, exist_ok=True)
        self.shapes, self.cases = [], []

    def raw(self, key, a):
        a = np.ascontiguousarray(a)
        a.astype(a.dtype.newbyteorder("<")).tofile(os.path.join(self.dir, key))
        self.shapes.append(f"{key} {a.dtype.name} {','.join(str(d) for d in a.shape) or '-'}")

    def case(self, name, model, booster, inputs, opts=(), **predict):
        # What python answers: predict() on a DMatrix of the same rows (and base margin).
        dm = xgb.DMatrix(inputs["input"], missing=predict.pop("missing", np.nan),
                         base_margin=inputs.get("base_margin"))
        y = booster.predict(dm, **predict).astype(np.float32)
        for n, a in inputs.items():
            self.raw(f"{name}.{n}.in", a)
        self.raw(f"{name}.output.out", y)
        with open(os.path.join(self.dir, f"{name}.json"), "w") as f:
            json.dump({n: tensor_json(a) for n, a in inputs.items()}, f)
        self.cases.append(" ".join([name, model, *opts]))

    def close(self):
        with open(os.path.join(self.dir, "shapes.txt"), "w") as f:
            f.write("\n".join(self.shapes) + "\n")
        with open(os.path.join(self.dir, "cases.txt"), "w") as f:
            f.write("\n".join(self.cases) + "\n")


def value_json(v):
    v = float(v)
    return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf") if np.isinf(v) else v


def tensor_json(a):
    return {"dtype": a.dtype.name, "shape": list(a.shape), "data": [value_json(v) for v in a.ravel()]}


def main(out):
    e = Expected(out)
    x = data(400)
    y_reg = 2 * x[:, 0] - x[:, 1] + 0.5 * x[:, 2] * x[:, 3]
    y_bin = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    y_cls = (np.digitize(x[:, 0], [-0.7, 0.0, 0.7])).astype(np.float32)  # 4 classes
    test = data(50)

    reg = train({"objective": "reg:squarederror"}, x, y_reg)
    for name, file in (("regression", "model.json"), ("regression_ubj", "model.ubj"), ("regression_bin", "model.bin")):
        save(out, name, reg, file)
        e.case(name, name, reg, {"input": test})
    e.case("batch1", "regression", reg, {"input": test[:1]})
    e.case("float64", "regression", reg, {"input": data(50).astype(np.float64) * 3.3})

    binary = save(out, "binary", train({"objective": "binary:logistic"}, x, y_bin))
    e.case("binary", "binary", binary, {"input": test})
    e.case("output_margin", "binary", binary, {"input": test}, ["output_margin=bool:true"], output_margin=True)
    e.case("base_margin", "binary", binary,
           {"input": test, "base_margin": rng.standard_normal(50).astype(np.float32)})

    softprob = save(out, "multiclass", train({"objective": "multi:softprob", "num_class": 4}, x, y_cls))
    e.case("multiclass", "multiclass", softprob, {"input": test})
    e.case("multiclass_margin", "multiclass", softprob, {"input": test}, ["output_margin=bool:true"],
           output_margin=True)
    e.case("iteration_range", "multiclass", softprob, {"input": test},
           ["iteration_begin=int:2", "iteration_end=int:7"], iteration_range=(2, 7))
    e.case("base_margin_multiclass", "multiclass", softprob,
           {"input": test, "base_margin": rng.standard_normal((50, 4)).astype(np.float32)})
    softmax = save(out, "softmax", train({"objective": "multi:softmax", "num_class": 4}, x, y_cls))
    e.case("softmax", "softmax", softmax, {"input": test})

    targets = np.stack([y_reg, -y_reg, x[:, 4]], axis=1)
    multi = save(out, "multitarget", train({"objective": "reg:squarederror", "tree_method": "hist"}, x, targets))
    e.case("multitarget", "multitarget", multi, {"input": test})

    # Missing values: NaN in training and inference, and a model whose missing marker is
    # -999 (the runner option `missing`).
    xn = data(400, nan_fraction=0.2)
    y_missing = np.nan_to_num(xn[:, 0]) - np.nan_to_num(xn[:, 1])
    missing = save(out, "missing", train({"objective": "reg:squarederror"}, xn, y_missing))
    e.case("missing", "missing", missing, {"input": data(50, nan_fraction=0.3)})
    x999 = np.where(np.isnan(xn), np.float32(-999), xn)
    m999 = save(out, "missing_value",
                train({"objective": "reg:squarederror"}, x999, y_missing, missing=-999.0))
    t999 = data(50, nan_fraction=0.3)
    t999[np.isnan(t999)] = -999
    e.case("missing_value", "missing_value", m999, {"input": t999}, ["missing=float:-999"], missing=-999.0)

    # 32 features, for the conformance suite's --model-check and the bench.
    x32 = data(400, 32)
    reg32 = save(out, "regression32", train({"objective": "reg:squarederror"}, x32, x32[:, :4].sum(axis=1)))
    t32 = data(20, 32)
    check = {"description": "regression32 on 20 rows: python's Booster.predict", "rtol": 1e-6, "atol": 1e-6,
             "inputs": {"input": tensor_json(t32)},
             "outputs": {"output": tensor_json(reg32.predict(xgb.DMatrix(t32)).astype(np.float32))}}
    with open(os.path.join(e.dir, "regression32_check.json"), "w") as f:
        json.dump(check, f)

    # Other boosters and splits: the runner loads a model as XGBoost saved it again in
    # the child, after its own check (saved_model_check.hpp), so each kind is run here.
    y_sum = x[:, 0] - 2 * x[:, 1]
    for name, params in (("dart", {"booster": "dart", "rate_drop": 0.2, "objective": "reg:squarederror"}),
                         ("linear", {"booster": "gblinear", "objective": "reg:squarederror", "verbosity": 0}),
                         ("forest", {"num_parallel_tree": 3, "subsample": 0.7, "colsample_bynode": 0.7})):
        e.case(name, name, save(out, name, train(params, x, y_sum), "model.ubj"), {"input": test})
    xc = x.copy()
    xc[:, 2], xc[:, 3] = rng.integers(0, 40, len(x)), rng.integers(0, 5, len(x))
    types = ["q", "q", "c", "c"] + ["q"] * (F - 4)
    cat = save(out, "categorical",
               train({"tree_method": "hist", "max_cat_to_onehot": 1}, xc, (xc[:, 2] % 7) + xc[:, 3] + xc[:, 0],
                     feature_types=types, enable_categorical=True), "model.ubj")
    tc = test.copy()
    tc[:, 2], tc[:, 3] = rng.integers(0, 45, len(tc)), rng.integers(0, 5, len(tc))
    e.case("categorical", "categorical", cat, {"input": tc})

    # The other objectives' transforms (the runner walks them too, tree_walker.hpp):
    # exp for counts, positive values and survival times, hinge's step, ranking's margin.
    counts = rng.poisson(np.exp(0.5 * x[:, 0])).astype(np.float32)
    positive = np.exp(0.4 * x[:, 0] - 0.2 * x[:, 1]).astype(np.float32)
    for name, params, y, extra in (("poisson", {"objective": "count:poisson"}, counts, {}),
                                   ("gamma", {"objective": "reg:gamma"}, positive, {}),
                                   ("tweedie", {"objective": "reg:tweedie"}, positive, {}),
                                   ("cox", {"objective": "survival:cox"}, positive, {}),
                                   ("hinge", {"objective": "binary:hinge"}, y_bin, {}),
                                   ("rank", {"objective": "rank:pairwise"}, y_cls, {"group": [20] * 20})):
        e.case(name, name, save(out, name, train(params, x, y, **extra)), {"input": test})

    # Damaged and refused models.
    good = open(os.path.join(out, "regression", "model.json"), "rb").read()
    ubj = open(os.path.join(out, "regression_ubj", "model.ubj"), "rb").read()
    newer = json.loads(good)
    newer["version"] = [2, 1, 0]
    for name, file, content in [
        ("truncated", "model.json", good[: len(good) // 2]),
        ("flipped", "model.ubj", bytes(b ^ 0xFF if 200 <= i < 260 else b for i, b in enumerate(ubj))),
        ("not_a_model", "model.bin", b"these are not the trees you are looking for\n" * 8),
        ("newer_major", "model.json", json.dumps(newer).encode()),
        ("other_name", "booster.json", good),
    ]:
        os.makedirs(os.path.join(out, name), exist_ok=True)
        open(os.path.join(out, name, file), "wb").write(content)
    # Trees XGBoost loads and then crashes on: a child index and a split feature out
    # of range (the runner's child check refuses both).
    for name, field in (("bad_child", "left_children"), ("bad_feature", "split_indices")):
        m = json.loads(good)
        m["learner"]["gradient_booster"]["model"]["trees"][0][field][0] = 2 ** 30
        os.makedirs(os.path.join(out, name), exist_ok=True)
        open(os.path.join(out, name, "model.json"), "w").write(json.dumps(m))
    os.makedirs(os.path.join(out, "empty"), exist_ok=True)
    e.close()


if __name__ == "__main__":
    main(sys.argv[1])
