#!/usr/bin/env python3
"""The protocol evolution test: a new core revision is a schema edit, checked by the generator.

Runs the worked example of docs/evolving-the-protocol.md on a copy of schema/:
  1. adds revision 0.0.2 (after the newest; another name if 0.0.2 exists) with a request
     Health -> HealthResponse{status} and an optional LoadRequest.model_name, all
     `since` it; regenerates into a temp tree;
  2. makes the same change without `since` and checks that the lock refuses it, naming
     the declarations and fields;
  3. releases 0.0.2 (`--release`) and checks the lock then freezes it;
  4. builds tests/evolution (a runner handler serving both revisions, and its checks)
     against the temp tree and runs it: the released vectors still round-trip byte for
     byte, 0.0.2 carries the new variant and field, older revisions refuse them by name.

Usage: evolve.py --source REPO --work DIR [--cxx CXX] [--launcher CCACHE]
Exit 0 when every check passes; each failure is printed on one line.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

# The worked example (docs/evolving-the-protocol.md): a revision after the schema's newest
# with a request Health -> HealthResponse{status} and LoadRequest.model_name. Positions
# (enum value, wire indices) follow the schema as it is, so the test keeps working after
# real revisions are added; it is named 0.0.2 while that name is free.
HEALTH_TABLES = """
/// Ask whether the runner is healthy.
table Health{suffix}Request (wire_index: {request_index}, reply: "Health{suffix}Response"{since}) {{}}

/// The runner's health.
table Health{suffix}Response (wire_index: {response_index}{since}) {{
  /// "ok", or what is wrong.
  status: string;
}}
"""


class Change:
    """What the edit adds, derived from the schema it is applied to."""

    def __init__(self, source, flatc):
        sys.path.insert(0, os.path.join(source, "codegen"))
        from carton_codegen import bfbs, lock, model, service
        m = model.build_model(bfbs.compile_schema(os.path.join(source, "schema", "carton.fbs"), flatc))
        self.names = [r.name for r in m.revision_info]
        free = "0.0.2" not in self.names
        self.name = "0.0.2" if free else f"next-{len(self.names)}"
        self.enumerator = "Carton0_0_2" if free else f"CartonNext{len(self.names)}"
        # After a user followed the example for real, its names are taken: add a suffix.
        taken = any(r.name == "HealthRequest" for r in m.records.values())
        self.suffix = str(len(self.names)) if taken else ""
        self.request, self.response = f"Health{self.suffix}Request", f"Health{self.suffix}Response"
        self.field = f"model_name{self.suffix}"
        self.newest_released = list(lock.read(lock.default_path(os.path.join(source, "schema", "carton.fbs"))))[-1]
        self.newest = m.revision_info[-1].enumerator
        self.value = max(v.value for v in m.revision_enum().values) + 1
        self.request_index = len(service.request_union(m).variants)
        self.response_index = len(service.response_union(m).variants)
        self.older = [r.name for r in m.revision_info]


def edit(path, pattern, replace):
    """Replaces the one match of `pattern`; a schema that no longer has it fails by name."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = list(re.finditer(pattern, text, re.S))
    if len(found) != 1:
        raise SystemExit(f"FAIL {os.path.basename(path)}: the example edits /{pattern}/, found {len(found)} times")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[:found[0].start()] + replace(found[0]) + text[found[0].end():])


def apply_change(schema_dir, change, with_since):
    """The schema edit of the worked example; without `since` it is the classic mistake."""
    since = f', since: "{change.enumerator}"' if with_since else ""
    common = os.path.join(schema_dir, "common.fbs")
    edit(common, r'revisions: "[^"]*"', lambda m: f'revisions: "{", ".join(change.names + [change.name])}"')
    edit(common, rf"(enum CoreRevision\b.*?)(\n}})",
         lambda m: f"{m.group(1)}\n  /// A later core: adds the Health request and LoadRequest.model_name.\n"
                   f"  {change.enumerator} = {change.value},{m.group(2)}")
    rpc = os.path.join(schema_dir, "rpc.fbs")
    edit(rpc, r"(union RPCRequestData\b[^{]*\{[^}]*?)(\s*\})",
         lambda m: f"{m.group(1)},\n  {change.request}{m.group(2)}")
    edit(rpc, r"(union RPCResponseData\b[^{]*\{[^}]*?)(\s*\})", lambda m: f"{m.group(1)}, {change.response}{m.group(2)}")
    edit(rpc, r"(table LoadRequest\b.*?)(\n})",
         lambda m: f"{m.group(1)}\n  /// The model's name, when the core knows it.\n"
                   f"  {change.field}: string (option{since});{m.group(2)}")
    with open(rpc, "a", encoding="utf-8") as f:
        f.write(HEALTH_TABLES.format(since=since, suffix=change.suffix, request_index=change.request_index,
                                     response_index=change.response_index))


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
    change = Change(run.source, a.flatc)

    # 2. The mistake first: the same change without `since` changes released bytes.
    bad = run.copy_schema("schema-without-since")
    apply_change(bad, change, with_since=False)
    r = run.codegen("--schema", os.path.join(bad, "carton.fbs"), "--out", os.path.join(run.work, "unused"),
                    "--flatc", a.flatc, "--check")
    for needle in (f"field LoadRequest.{change.field}: new at position",
                   f"union RPCRequestData: variant {change.request_index} {change.request} is new in released revision",
                   f"union RPCResponseData: variant {change.response_index} {change.response} is new in released "
                   "revision", f"new in released revision {change.newest_released}",
                   f'`since: "{change.enumerator}"`'):
        run.expect(r.returncode == 2 and needle in r.stderr, f"the lock refuses the change without since: {needle}",
                   r.stderr or r.stdout)
    run.expect("Traceback" not in r.stderr, "no traceback", r.stderr)

    # 1. The change as documented: regenerates, and --check then agrees.
    good = run.copy_schema("schema")
    apply_change(good, change, with_since=True)
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
    apply_change(released, change, with_since=True)
    r = run.codegen("--schema", os.path.join(released, "carton.fbs"), "--out", generated, "--flatc", a.flatc,
                    "--release", change.name, "--check")
    with open(os.path.join(released, "wire.lock"), encoding="utf-8") as f:
        lock = f.read()
    run.expect(r.returncode == 0 and f"revision {change.name}\n" in lock and
               f"    {change.request_index} {change.request}" in lock, f"--release {change.name} records its wire", r.stderr)

    # 4. Build the runner and its checks against the regenerated tree, and run them.
    build = os.path.join(run.work, "build")
    cfg = ["cmake", "-S", os.path.join(run.source, "tests", "evolution"), "-B", build,
           f"-DCMAKE_CXX_COMPILER={a.cxx}", f"-DCARTON_SOURCE_DIR={run.source}", f"-DCARTON_GENERATED_DIR={generated}",
           "-DCMAKE_BUILD_TYPE=Debug", f"-DEVOLVED_REVISION={change.name}",
           f"-DHEALTH_INDEX={change.request_index}", f"-DHEALTH_RESPONSE_INDEX={change.response_index}",
           f"-DEVOLVED_SUFFIX={change.suffix}"]
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
