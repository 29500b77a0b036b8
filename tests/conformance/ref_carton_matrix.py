"""Carton's whole user path for one framework runner, through carton's own `carton`
crate (ref-carton: Carton::pack, Carton::load, infer), opt-in like the reference_core
tests. A runner's ref_carton_check.py builds the cases; this runs the matrix:

  pack     each case's model file (copied under a name Load does not look for, so the
           runner must link it under its own) and the folder that holds it (copied,
           with a notes.txt beside the model, which must be packed as it is), each
           with carton's discovery picking the runner by name and the requirement a
           user writes (">=1.7")
  check    what the .carton holds: for a file, model/<one of the runner's names>; for
           a folder, model/<each file of the folder>, nothing nested
  load     each .carton from the zip and from the folder `ref-carton unpack` makes
           (carton's zip-backed and local filesystems), then infer the case's inputs
           and compare with the framework's own outputs

Prints PASS/FAIL per pack and per load, then "packs: N of M right", then
"N passed, M failed" over the loads (a failed pack fails its two loads).
"""
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np

REQUIREMENT = ">=1.7"
TIMEOUT_S = 600


@dataclass
class Case:
    name: str
    model_file: str           # the model file (packed alone)
    folder: str               # the folder holding it (packed as it is)
    inputs: Dict[str, dict]   # ref-carton's JSON tensors
    expected: Dict[str, np.ndarray]  # the framework's own outputs, by output name
    tolerance: float          # relative to max(1, |expected|); integers compare exactly
    opts: List[str] = field(default_factory=list)  # runner options, as --opt takes them


def run(ref_carton, env, *args):
    return subprocess.run([ref_carton, *args], capture_output=True, text=True, timeout=TIMEOUT_S, env=env)


def said(r):
    return f"exit {r.returncode}: {(r.stdout.strip() + ' ' + r.stderr.strip()).strip()[-600:]}"


def packed_problem(path, want_files, model_files):
    """What is wrong with the model/ entries of the .carton at `path`, or None."""
    names = sorted(n[len("model/"):] for n in zipfile.ZipFile(path).namelist()
                   if n.startswith("model/") and not n.endswith("/"))
    if want_files is None:  # a file: one entry, under a name Load looks for
        if len(names) != 1 or names[0] not in model_files:
            return f"model/ holds {names}, expected one of {model_files}"
        return None
    if names != sorted(want_files):
        return f"model/ holds {names}, expected the folder's {sorted(want_files)}"
    return None


def compare(got, expected, tolerance):
    problems = []
    for name, want in expected.items():
        if name not in got:
            problems.append(f"no output '{name}' (got {sorted(got)})")
            continue
        g = got[name]
        if g["dtype"] != str(want.dtype) or list(g["shape"]) != list(want.shape):
            problems.append(f"{name}: {g['dtype']} {g['shape']}, expected {want.dtype} {list(want.shape)}")
            continue
        if want.dtype.kind in "iu":
            if [int(v) for v in g["data"]] != want.ravel().tolist():
                problems.append(f"{name}: values differ")
            continue
        # JSON carries the shortest text of each value: read back at the output's own
        # precision, it is the value the runner sent.
        a = np.array([float(v) for v in g["data"]]).astype(want.dtype).astype(np.float64).reshape(want.shape)
        w = want.astype(np.float64)
        same_nan = np.isnan(a) == np.isnan(w)
        err = np.where(np.isnan(w), 0.0, np.abs(a - w) / np.maximum(1.0, np.abs(w)))
        if not same_nan.all() or not (err <= tolerance).all():
            problems.append(f"{name}: largest relative difference {np.nanmax(err):.3g} > {tolerance}")
    return problems


def run_matrix(ref_carton, runner_dir, runner_name, model_files, cases):
    env = dict(os.environ, CARTON_RUNNER_DIR=runner_dir)
    work = tempfile.mkdtemp(prefix=f"ref-carton-{runner_name}-")
    packs_right = packs = passed = failed = 0
    try:
        for case in cases:
            base = os.path.join(work, case.name)
            os.makedirs(base)
            inputs = os.path.join(base, "inputs.json")
            with open(inputs, "w") as f:
                json.dump(case.inputs, f)
            # The file under a name no runner looks for; the folder with a file beside
            # the model that carton must keep.
            suffix = os.path.splitext(case.model_file)[1]
            single = os.path.join(base, f"{case.name}-as-given{suffix}")
            shutil.copyfile(case.model_file, single)
            folder = os.path.join(base, "folder")
            shutil.copytree(case.folder, folder)
            with open(os.path.join(folder, "notes.txt"), "w") as f:
                f.write("packed with the model, as it is\n")
            folder_files = [os.path.relpath(os.path.join(d, n), folder) for d, _, ns in os.walk(folder) for n in ns]
            opts = [a for o in case.opts for a in ("--opt", o)]
            for way, source, want_files in (("file", ["--input-path", single], None),
                                             ("folder", ["--input-dir", folder], folder_files)):
                out = os.path.join(base, f"{way}.carton")
                packs += 1
                r = run(ref_carton, env, "pack", "--runner-name", runner_name, "--framework-version", REQUIREMENT,
                        *source, "--out", out, *opts)
                problem = None if r.returncode == 0 and os.path.exists(out) else said(r)
                if problem is None:
                    problem = packed_problem(out, want_files, model_files)
                label = f"{case.name} from a {way}"
                if problem:
                    print(f"FAIL pack {label}: {problem}", flush=True)
                    for where in ("zip", "unpacked folder"):
                        failed += 1
                        print(f"FAIL load {label}, {where}: not packed", flush=True)
                    continue
                packs_right += 1
                print(f"PASS pack {label}", flush=True)
                unpacked = os.path.join(base, f"{way}.unpacked")
                u = run(ref_carton, env, "unpack", out, unpacked)
                for where, target in (("zip", out), ("unpacked folder", unpacked)):
                    if where != "zip" and u.returncode != 0:
                        problems = [f"unpack failed, {said(u)}"]
                    else:
                        r = run(ref_carton, env, "load-infer", target, "--input", inputs)
                        line = next((l for l in r.stdout.splitlines() if l.startswith("OUTPUT ")), None)
                        if line is None:
                            problems = [f"no OUTPUT, {said(r)}"]
                        else:
                            problems = compare(json.loads(line[len("OUTPUT "):]), case.expected, case.tolerance)
                    if problems:
                        failed += 1
                        print(f"FAIL load {label}, {where}: {'; '.join(problems)}", flush=True)
                    else:
                        passed += 1
                        print(f"PASS load {label}, {where}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"packs: {packs_right} of {packs} right")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and packs_right == packs else 1


def json_tensor(a):
    """A numpy array as ref-carton's JSON tensor (NaN and infinities as strings)."""
    a = np.ascontiguousarray(a)
    if a.dtype.kind == "f":
        data = [("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")) if not np.isfinite(v) else float(v)
                for v in a.ravel()]
    else:
        data = [int(v) for v in a.ravel()]
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": data}
