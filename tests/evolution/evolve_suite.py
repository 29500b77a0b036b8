"""Step 6 of the evolution test (evolve.py): the conformance suite built against the
evolved schema, as it is after a real revision is added.

The request the new revision adds gets its case (protocol/request_<name>, from the
generated request table) with no hand edit, which accepts only its declared reply or an
Error saying the runner does not implement it; and the tool's own tests
(tests/conformance/test_carton_conformance.py) pass unchanged, since none pins the
newest revision or how many there are.
"""

import os
import stat
import subprocess
import sys

# What the checks run, besides evolve.py's own evolution_test and carton-runner-evolved.
TARGETS = ["carton-conformance", "carton-runner-noop", "carton-runner-file"] + \
    [f"conformance_broken_runner_{i}" for i in range(1, 6)]


class Built:
    """Where the evolved build put each binary (the SDK is a subdirectory, carton-sdk/)."""

    def __init__(self, build_dir):
        sdk = os.path.join(build_dir, "carton-sdk")
        self.tool = os.path.join(sdk, "conformance", "carton-conformance")
        self.noop = os.path.join(sdk, "examples", "noop_runner", "carton-runner-noop")
        self.file = os.path.join(sdk, "examples", "file_runner", "carton-runner-file")
        self.broken = [os.path.join(sdk, "tests", f"conformance_broken_runner_{i}") for i in range(1, 6)]
        self.evolved = os.path.join(build_dir, "carton-runner-evolved")


def conformance(built, *args, env=None):
    p = subprocess.run([built.tool, *args], capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stdout + p.stderr


def line(out, start):
    return next((l for l in out.splitlines() if l.startswith(start)), "")


def wrapper(work, name, body):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def check(run, change, build_dir):
    built = Built(build_dir)
    case = f"protocol/request_health{change.suffix}"
    health = f"Health{change.suffix}"
    new, old = change.name, change.previous

    rc, out, log = conformance(built, "--list")
    run.expect(rc == 0 and f"{case}  {health} gets one complete {change.response}" in out,
               f"the suite has {case} with no hand edit", log)

    # A runner that serves Health passes at every revision: at the new one by its reply,
    # before it the case is skipped.
    rc, out, log = conformance(built, "--runner", built.evolved, "--core-version", "all", "--suite", "protocol")
    run.expect(rc == 0 and line(out, f"PASS {case}@{new}") != "" and
               f"SKIP {case}@{old}: core {old} has no {health} request (core {new} adds it)" in out,
               f"the evolved runner passes the protocol suite at every revision, {case} at {new}", log)

    # Not implemented (the SDK's default, as in the noop runner) passes; another Error does not.
    for runner, env, what in ((built.noop, {}, "the noop runner (no on_health)"),
                              (built.evolved, {"EVOLVED_HEALTH": "unimplemented"}, "the SDK's default on_health")):
        rc, out, log = conformance(built, "--runner", runner, "--core-version", new, "--case", case, env=env)
        run.expect(rc == 0 and line(out, f"PASS {case}") != "", f"{what}: Health answered as unimplemented passes", log)
    rc, out, log = conformance(built, "--runner", built.evolved, "--core-version", new, "--case", case,
                               env={"EVOLVED_HEALTH": "refuse"})
    run.expect(rc == 1 and f"got an Error that does not say so: not ready" in line(out, f"FAIL {case}"),
               "an Error that is not `not implemented` fails the Health case", log)

    # A runner started for the previous revision cannot decode Health (nor the new Load).
    stale = wrapper(run.work, "noop-previous", f'exec "{built.noop}" "$@" --core-revision {old}')
    rc, out, log = conformance(built, "--runner", stale, "--core-version", new, "--case", "protocol/request_*")
    why = f"cannot decode it, so it does not speak core {new}'s"
    run.expect(rc == 1 and why in line(out, f"FAIL {case}") and why in line(out, "FAIL protocol/request_load"),
               f"a runner speaking {old} fails {case} and request_load at {new}, naming the revision", log)

    # The tool's own tests, unchanged, against the evolved tool.
    env = dict(CARTON_CONFORMANCE=built.tool, CARTON_NOOP_RUNNER=built.noop, CARTON_FILE_RUNNER=built.file,
               **{name: path for name, path in zip(("BROKEN_WRONG_ID", "BROKEN_INCOMPLETE", "BROKEN_CRASH",
                                                    "BROKEN_WRONG_VARIANT", "BROKEN_LEAK"), built.broken)})
    tests = os.path.join(run.source, "tests", "conformance", "test_carton_conformance.py")
    p = subprocess.run([sys.executable, tests], capture_output=True, text=True, env=dict(os.environ, **env),
                       timeout=900)
    run.expect(p.returncode == 0, "tests/conformance/test_carton_conformance.py passes against the evolved tool",
               p.stderr[-4000:])
