#!/usr/bin/env python3
"""The protocol evolution test: a new core revision is a schema edit, checked by the generator.

Runs the worked example of docs/evolving-the-protocol.md on a copy of schema/:
  1. adds revision 0.0.2 with a request Health -> HealthResponse{status} and an optional
     LoadRequest.model_name, all `since: "Carton0_0_2"`; regenerates into a temp tree;
  2. makes the same change without `since` and checks that the lock refuses it, naming
     the declarations and fields;
  3. releases 0.0.2 (`--release`) and checks the lock then freezes it;
  4. builds tests/evolution (a runner handler serving both revisions, and its checks)
     against the temp tree and runs it: the released vectors still round-trip byte for
     byte, 0.0.2 carries the new variant and field, 0.0.1 refuses them by name.

Usage: evolve.py --source REPO --work DIR [--cxx CXX] [--launcher CCACHE]
Exit 0 when every check passes; each failure is printed on one line.
"""

import argparse
import os
import shutil
import subprocess
import sys

# The worked example (docs/evolving-the-protocol.md, step 1). Each edit names the text it
# expects, so a schema that has drifted fails here by name, not with a confusing diff.
NEW_REVISION = ('''  Carton0_0_1 = 1,
}''', '''  Carton0_0_1 = 1,
  /// A later core: adds the Health request and LoadRequest.model_name.
  Carton0_0_2 = 2,
}''')
REVISION_NAMES = ('revisions: "2023-09, 0.0.1"', 'revisions: "2023-09, 0.0.1, 0.0.2"')
REQUEST_VARIANT = ("InferWithTensorsRequest, InferWithHandleRequest\n}",
                   "InferWithTensorsRequest, InferWithHandleRequest,\n  HealthRequest\n}")
RESPONSE_VARIANT = ("LogMessageResponse, EmptyResponse\n}", "LogMessageResponse, EmptyResponse, HealthResponse\n}")
MODEL_NAME = ('''  carton_manifest_hash: string (option);
}''', '''  carton_manifest_hash: string (option);
  /// The model's name, when the core knows it.
  model_name: string (option{since});
}}''')
HEALTH_TABLES = '''
/// Ask whether the runner is healthy.
table HealthRequest (wire_index: 5, reply: "HealthResponse"{since}) {{}}

/// The runner's health.
table HealthResponse (wire_index: 7{since}) {{
  /// "ok", or what is wrong.
  status: string;
}}
'''


def edit(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(old) != 1:
        raise SystemExit(f"FAIL {os.path.basename(path)} no longer contains the text the example edits: {old!r}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


def apply_change(schema_dir, with_since):
    """The schema edit of the worked example; without `since` it is the classic mistake."""
    since = ', since: "Carton0_0_2"' if with_since else ""
    edit(os.path.join(schema_dir, "common.fbs"), *NEW_REVISION)
    edit(os.path.join(schema_dir, "common.fbs"), *REVISION_NAMES)
    rpc = os.path.join(schema_dir, "rpc.fbs")
    edit(rpc, *REQUEST_VARIANT)
    edit(rpc, *RESPONSE_VARIANT)
    edit(rpc, MODEL_NAME[0], MODEL_NAME[1].format(since=since))  # braces doubled for format()
    with open(rpc, "a", encoding="utf-8") as f:
        f.write(HEALTH_TABLES.format(since=since))


class Run:
    def __init__(self, source, work):
        self.source, self.work, self.failures = source, work, 0

    def codegen(self, *args):
        env = dict(os.environ, PYTHONPATH=os.path.join(self.source, "codegen"))
        return subprocess.run([sys.executable, "-m", "carton_codegen", *args], env=env, capture_output=True,
                              text=True)

    def expect(self, ok, what, detail=""):
        print(("PASS " if ok else "FAIL ") + what + ("" if ok or not detail else ": " + detail.strip()))
        self.failures += 0 if ok else 1

    def copy_schema(self, name):
        dst = os.path.join(self.work, name)
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(self.source, "schema"), dst)
        return dst


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--source", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cxx", default=os.environ.get("CXX", "c++"))
    p.add_argument("--launcher", default="")
    p.add_argument("--flatc", default=os.environ.get("FLATC", "flatc"))
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    run = Run(os.path.abspath(a.source), os.path.abspath(a.work))

    # 2. The mistake first: the same change without `since` changes released bytes.
    bad = run.copy_schema("schema-without-since")
    apply_change(bad, with_since=False)
    r = run.codegen("--schema", os.path.join(bad, "carton.fbs"), "--out", os.path.join(run.work, "unused"),
                    "--flatc", a.flatc, "--check")
    for needle in ("field LoadRequest.model_name: new at position 7 in released revision 0.0.1",
                   "union RPCRequestData: variant 5 HealthRequest is new in released revision 0.0.1",
                   "union RPCResponseData: variant 7 HealthResponse is new in released revision 2023-09",
                   'mark it `since: "Carton0_0_2"`'):
        run.expect(r.returncode == 2 and needle in r.stderr, f"the lock refuses the change without since: {needle}",
                   r.stderr or r.stdout)
    run.expect("Traceback" not in r.stderr, "no traceback", r.stderr)

    # 1. The change as documented: regenerates, and --check then agrees.
    good = run.copy_schema("schema")
    apply_change(good, with_since=True)
    generated = os.path.join(run.work, "generated")
    shutil.rmtree(generated, ignore_errors=True)
    args = ("--schema", os.path.join(good, "carton.fbs"), "--out", generated, "--flatc", a.flatc)
    r = run.codegen(*args)
    run.expect(r.returncode == 0, "the change with since regenerates", r.stderr)
    if r.returncode != 0:
        return 1
    run.expect(run.codegen(*args, "--check").returncode == 0, "--check is clean after regenerating")

    # 3. Releasing 0.0.2 freezes it; releasing changes nothing that is generated.
    released = run.copy_schema("schema-released")
    apply_change(released, with_since=True)
    r = run.codegen("--schema", os.path.join(released, "carton.fbs"), "--out", generated, "--flatc", a.flatc,
                    "--release", "0.0.2", "--check")
    with open(os.path.join(released, "wire.lock"), encoding="utf-8") as f:
        lock = f.read()
    run.expect(r.returncode == 0 and "revision 0.0.2\n" in lock and "    5 HealthRequest" in lock,
               "--release 0.0.2 records its wire", r.stderr)

    # 4. Build the runner and its checks against the regenerated tree, and run them.
    build = os.path.join(run.work, "build")
    cfg = ["cmake", "-S", os.path.join(run.source, "tests", "evolution"), "-B", build,
           f"-DCMAKE_CXX_COMPILER={a.cxx}", f"-DCARTON_SOURCE_DIR={run.source}", f"-DCARTON_GENERATED_DIR={generated}",
           "-DCMAKE_BUILD_TYPE=Debug"]
    if a.launcher:
        cfg.append(f"-DCMAKE_CXX_COMPILER_LAUNCHER={a.launcher}")
    for cmd in (cfg, ["cmake", "--build", build, "-j2"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            run.expect(False, " ".join(cmd[:2]), (r.stdout + r.stderr)[-4000:])
            return 1
    r = subprocess.run([os.path.join(build, "evolution_test"), run.source], capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    run.expect(r.returncode == 0, "the evolved runner and wire checks")
    print(f"{run.failures} failed")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
