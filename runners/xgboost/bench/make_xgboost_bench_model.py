"""Trains xgboost_bench's model into the directory given as the only argument:
<out>/model/model.ubj, a regression on 32 features of 200 rounds of depth 6 (what a
production tabular model looks like; runners/xgboost/tests's models are far smaller), and
<out>/rows.f32, 100,000 rows of 32 float32 features to predict; and <out>/rows<N>.json
for N = 1, 1,000 and 100,000, the first N of those rows as carton's JSON tensors
(`{"input": {"dtype": "float32", "shape": [N, 32], "data": [...]}}`), for a one-shot
request through a core that reads its inputs from JSON.
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

rng = np.random.default_rng(19)
out = sys.argv[1]
x = rng.standard_normal((20000, 32)).astype(np.float32)
y = x[:, :8].sum(axis=1) + np.sin(x[:, 8] * 3) + x[:, 9] * x[:, 10]
booster = xgb.train({"objective": "reg:squarederror", "max_depth": 6, "eta": 0.1, "seed": 19},
                    xgb.DMatrix(x, label=y), 200)
os.makedirs(os.path.join(out, "model"), exist_ok=True)
booster.save_model(os.path.join(out, "model", "model.ubj"))
rows = rng.standard_normal((100000, 32)).astype("<f4")
rows.tofile(os.path.join(out, "rows.f32"))
for n in (1, 1000, 100000):
    with open(os.path.join(out, f"rows{n}.json"), "w") as f:
        json.dump({"input": {"dtype": "float32", "shape": [n, 32], "data": rows[:n].ravel().tolist()}}, f)
