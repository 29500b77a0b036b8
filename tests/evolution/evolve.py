#!/usr/bin/env python3
"""The protocol evolution test: a new core revision is a schema edit, checked by the generator.

Runs the worked example of docs/evolving-the-protocol.md on a copy of schema/, and the
slips a user following it makes:
  1. adds revision 0.0.2 (after the newest; another name if 0.0.2 exists) with a request
     Health -> HealthResponse{status} and an optional LoadRequest.model_name, all
     `since` it; regenerates into a temp tree;
  2. the same change with slips: without `since` (the lock refuses it, naming the
     declarations and fields), with `since` naming the revision as users type it, and
     with HealthResponse left out of its union (one located line each, no traceback);
  3. releases 0.0.2 (`--release`) and checks the lock then freezes it: releasing it again
     after a byte change is refused unless --allow-byte-change, after a rename it is not;
  4. checks that no doc states what the new revision makes wrong (the list of revisions,
     the request tags past the last);
  5. builds the SDK with tests/evolution (a runner handler serving both revisions, and
     its checks) against the temp tree and runs it: the released vectors still
     round-trip byte for byte, 0.0.2 carries the new variant and field, older revisions
     refuse them by name;
  6. runs the evolved conformance suite (evolve_suite.py): Health gets its case with no
     hand edit, and the tool's own tests pass unchanged.

Usage: evolve.py --source REPO --work DIR [--cxx CXX] [--launcher CCACHE]
Exit 0 when every check passes; each failure is printed on one line.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

import evolve_suite

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
        self.previous = m.revision_info[-1].name  # the newest revision before the change
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


def apply_change(schema_dir, change, since=None, response_listed=True):
    """The schema edit of the worked example, `since` the given revision (the enumerator
    as documented; None is the classic mistake), HealthResponse listed in its union."""
    since = f', since: "{since}"' if since else ""
    common = os.path.join(schema_dir, "common.fbs")
    edit(common, r'revisions: "[^"]*"', lambda m: f'revisions: "{", ".join(change.names + [change.name])}"')
    edit(common, rf"(enum CoreRevision\b.*?)(\n}})",
         lambda m: f"{m.group(1)}\n  /// A later core: adds the Health request and LoadRequest.model_name.\n"
                   f"  {change.enumerator} = {change.value},{m.group(2)}")
    rpc = os.path.join(schema_dir, "rpc.fbs")
    edit(rpc, r"(union RPCRequestData\b[^{]*\{[^}]*?)(\s*\})",
         lambda m: f"{m.group(1)},\n  {change.request}{m.group(2)}")
    if response_listed:
        edit(rpc, r"(union RPCResponseData\b[^{]*\{[^}]*?)(\s*\})",
             lambda m: f"{m.group(1)}, {change.response}{m.group(2)}")
    edit(rpc, r"(table LoadRequest\b.*?)(\n})",
         lambda m: f"{m.group(1)}\n  /// The model's name, when the core knows it.\n"
                   f"  {change.field}: string (option{since});{m.group(2)}")
    with open(rpc, "a", encoding="utf-8") as f:
        f.write(HEALTH_TABLES.format(since=since, suffix=change.suffix, request_index=change.request_index,
                                     response_index=change.response_index))


class Run:
    def __init__(self, source, work, flatc):
        self.source, self.work, self.flatc, self.failures = source, work, flatc, 0

    def codegen(self, schema_dir, *args, out="unused"):
        env = dict(os.environ, PYTHONPATH=os.path.join(self.source, "codegen"))
        return subprocess.run([sys.executable, "-m", "carton_codegen", "--schema", os.path.join(schema_dir, "carton.fbs"),
                               "--out", os.path.join(self.work, out), "--flatc", self.flatc, *args], env=env,
                              capture_output=True, text=True)

    def expect(self, ok, what, detail=""):
        print(("PASS " if ok else "FAIL ") + what + ("" if ok or not detail else ": " + detail.strip()))
        self.failures += 0 if ok else 1

    def copy_schema(self, name):
        dst = os.path.join(self.work, name)
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(self.source, "schema"), dst)
        return dst


def slips(run, change):
    """2. What a user following the docs gets wrong: one located line each, exit 2, no traceback."""
    bad = run.copy_schema("schema-without-since")
    apply_change(bad, change)
    r = run.codegen(bad, "--check")
    for needle in (f"field LoadRequest.{change.field}: new at position",
                   f"union RPCRequestData: variant {change.request_index} {change.request} is new in released revision",
                   f"union RPCResponseData: variant {change.response_index} {change.response} is new in released "
                   "revision", f"new in released revision {change.newest_released}",
                   f'`since: "{change.enumerator}"`'):
        run.expect(r.returncode == 2 and needle in r.stderr, f"the lock refuses the change without since: {needle}",
                   r.stderr or r.stdout)
    run.expect("Traceback" not in r.stderr, "no traceback", r.stderr)

    # `since` takes the enumerator; the name users type, on a field and on a union variant alike.
    named = run.copy_schema("schema-since-name")
    apply_change(named, change, since=change.name)
    r = run.codegen(named, "--check")
    fix = re.escape(f'; write since: "{change.enumerator}" (the enumerator of revision {change.name})')
    for decl in (f"table {change.request}", f"table {change.response}", f"field LoadRequest.{change.field}"):
        line = rf"rpc\.fbs:\d+: {re.escape(decl)}: since: '{re.escape(change.name)}' is not a core revision \(known: .*\){fix}$"
        run.expect(r.returncode == 2 and re.search(line, r.stderr, re.M) is not None,
                   f"since: \"{change.name}\" on {decl} is one line naming the enumerator", r.stderr)
    run.expect("Traceback" not in r.stderr, "no traceback for since naming the revision as users type it", r.stderr)

    # The response left out of its union: the fix names that union, once.
    unlisted = run.copy_schema("schema-response-unlisted")
    apply_change(unlisted, change, since=change.enumerator, response_listed=False)
    r = run.codegen(unlisted, "--check")
    problems = [l for l in r.stderr.splitlines() if l.startswith("  ")]
    run.expect(r.returncode == 2 and len(problems) == 1 and
               f"add {change.response} to RPCResponseData (wire_index: {change.response_index}, "
               f'since: "{change.enumerator}")' in problems[0],
               "a response left out of RPCResponseData is one line naming RPCResponseData", r.stderr)


def releases(run, change, generated):
    """3. --release freezes the revision; again, it refuses a byte change unless told."""
    released = run.copy_schema("schema-released")
    apply_change(released, change, since=change.enumerator)
    lock_path = os.path.join(released, "wire.lock")

    def lock():
        with open(lock_path, encoding="utf-8") as f:
            return f.read()

    r = run.codegen(released, "--release", change.name, "--check", out=generated)
    run.expect(r.returncode == 0 and f"revision {change.name}\n" in lock() and
               f"    {change.request_index} {change.request}" in lock(), f"--release {change.name} records its wire",
               r.stderr)
    frozen = lock()
    edit(os.path.join(released, "rpc.fbs"), rf"(table {change.response}\b.*?)status: string;",
         lambda m: f"{m.group(1)}status: ulong;")
    r = run.codegen(released, "--release", change.name)
    run.expect(r.returncode == 2 and f"--release {change.name}: {change.name} is already released" in r.stderr and
               f"field {change.response}.status: position 0 was `status: string`" in r.stderr and lock() == frozen,
               f"--release {change.name} again after a byte change is refused, the lock kept", r.stderr)
    r = run.codegen(released, "--release", change.name, "--allow-byte-change")
    run.expect(r.returncode == 0 and "    0 status: u64\n" in lock() and "with changed bytes" in r.stdout,
               "--allow-byte-change re-records it", r.stderr)
    edit(os.path.join(released, "rpc.fbs"), rf"(table {change.response}\b.*?)status: ulong;",
         lambda m: f"{m.group(1)}state: ulong;")
    r = run.codegen(released, "--release", change.name)
    run.expect(r.returncode == 0 and "    0 state: u64\n" in lock() and "names only" in r.stdout,
               "--release after a rename re-records it without --allow-byte-change", r.stderr + r.stdout)


def docs_stay_true(run, change):
    """4. A doc that lists the revisions, or counts the requests, as facts of today is
    wrong once a revision is added: every such statement must be generated or reworded."""
    names = "|".join(re.escape(n) for n in change.older)
    stale = [
        (rf"(?:{names})(?:\\?\|(?:{names}))+", "lists the revisions as the choices"),
        (rf"speaks carton (?:{names})\b", "says which revisions the SDK speaks"),
        (rf"\b{change.request_index} and {change.request_index + 1}\b", "states the tags past the last request"),
    ]
    found = []
    for path in [os.path.join(run.source, "README.md")] + sorted(glob.glob(os.path.join(run.source, "docs", "*.md"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                found += [f"{os.path.relpath(path, run.source)}:{n}: {why}: {line.strip()[:120]}"
                          for pattern, why in stale if re.search(pattern, line)]
    run.expect(not found, f"no doc goes stale when {change.name} is added", "\n".join(found))


def build(run, change, generated, a):
    """5. The SDK, the evolved runner and the checks, against the regenerated tree."""
    build_dir = os.path.join(run.work, "build")
    cfg = ["cmake", "-S", os.path.join(run.source, "tests", "evolution"), "-B", build_dir,
           f"-DCMAKE_CXX_COMPILER={a.cxx}", f"-DCARTON_SOURCE_DIR={run.source}", f"-DCARTON_GENERATED_DIR={generated}",
           "-DCMAKE_BUILD_TYPE=RelWithDebInfo", f"-DEVOLVED_REVISION={change.name}",
           f"-DHEALTH_INDEX={change.request_index}", f"-DHEALTH_RESPONSE_INDEX={change.response_index}",
           f"-DEVOLVED_SUFFIX={change.suffix}"]
    if a.launcher:
        cfg.append(f"-DCMAKE_CXX_COMPILER_LAUNCHER={a.launcher}")
    targets = ["evolution_test", "carton-runner-evolved"] + evolve_suite.TARGETS
    for cmd in (cfg, ["cmake", "--build", build_dir, "-j2", "--target", *targets]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            run.expect(False, " ".join(cmd[:2]), (r.stdout + r.stderr)[-4000:])
            return None
    return build_dir


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--source", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cxx", default=os.environ.get("CXX", "c++"))
    p.add_argument("--launcher", default="")
    p.add_argument("--flatc", default=os.environ.get("FLATC", "flatc"))
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    run = Run(os.path.abspath(a.source), os.path.abspath(a.work), a.flatc)
    change = Change(run.source, a.flatc)

    slips(run, change)

    # 1. The change as documented: regenerates, and --check then agrees.
    good = run.copy_schema("schema")
    apply_change(good, change, since=change.enumerator)
    generated = os.path.join(run.work, "generated")
    shutil.rmtree(generated, ignore_errors=True)
    r = run.codegen(good, out=generated)
    run.expect(r.returncode == 0, "the change with since regenerates", r.stderr)
    if r.returncode != 0:
        return 1
    run.expect(run.codegen(good, "--check", out=generated).returncode == 0, "--check is clean after regenerating")

    releases(run, change, generated)
    docs_stay_true(run, change)

    build_dir = build(run, change, generated, a)
    if build_dir is None:
        return 1
    r = subprocess.run([os.path.join(build_dir, "evolution_test"), run.source], capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    run.expect(r.returncode == 0, "the evolved runner and wire checks")

    evolve_suite.check(run, change, build_dir)
    print(f"{run.failures} failed")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
