"""Tests of the carton-conformance command-line tool, run by CTest (tests/CMakeLists.txt).

Environment: CARTON_CONFORMANCE = the carton-conformance executable,
CARTON_NOOP_RUNNER = carton-runner-noop, BROKEN_WRONG_ID / BROKEN_INCOMPLETE /
BROKEN_CRASH / BROKEN_WRONG_VARIANT / BROKEN_LEAK = the deliberately broken runners
built from broken_runner.cpp, CARTON_FILE_RUNNER = carton-runner-file.
Run one case with: python3 test_carton_conformance.py CartonConformanceTest.test_noop_all
"""
import json
import os
import re
import stat
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

TOOL = os.environ.get("CARTON_CONFORMANCE", "carton-conformance")
CLOSING = re.compile(r"^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$")


def run(*args):
    p = subprocess.run([TOOL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def lines(out):
    return [l for l in out.splitlines() if l.strip()]


def script(directory, name, body):
    """An executable shell script `name` in `directory`: a runner wrapper or a fake runner."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def core_versions():
    """The core revisions the tool knows, oldest first, as its usage error lists them
    (the schema's list, through the generated revision table)."""
    rc, out, err = run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--core-version", "no-such-revision")
    found = re.search(r"valid: (.*), all$", err.strip(), re.M)
    assert rc == 2 and found, err
    return found.group(1).split(", ")


def line_for(out, prefix, name):
    for l in lines(out):
        if l.startswith(prefix + " " + name):
            return l
    return None


class CartonConformanceTest(unittest.TestCase):
    def test_noop_all(self):
        with tempfile.TemporaryDirectory() as d:
            j = os.path.join(d, "out.json")
            rc, out, err = run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--core-version", "all",
                               "--suite", "protocol,robustness,echo", "--json", j)
            self.assertEqual(rc, 0, out + err)
            last = lines(out)[-1]
            self.assertRegex(last, r"^[0-9]+ passed, 0 failed")
            self.assertRegex(last, CLOSING)
            self.assertIn("# matrix", out)
            self.assertIn("SKIP protocol/infer_with_tensors_streaming@2023-09", out)
            self.assertNotIn("FAIL ", out)
            with open(j) as f:
                data = json.load(f)
            self.assertEqual(data["failed"], 0)
            self.assertTrue(any(r["suite"] == "echo" for r in data["results"]))

    def test_case_glob_and_single_version(self):
        rc, out, err = run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--case", "infer_dtype_*")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(lines(out)[-1], "15 passed, 0 failed")
        self.assertNotIn("echo/", out)

    def test_wrong_id_runner_fails_load(self):
        rc, out, err = run("--runner", os.environ["BROKEN_WRONG_ID"], "--case", "protocol/load", "--timeout", "1")
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "protocol/load")
        self.assertIsNotNone(l, out)
        self.assertIn("no complete response to request 0", l)
        self.assertIn("a response for id 1000, which no request has", l)
        self.assertRegex(lines(out)[-1], r"^0 passed, 1 failed$")

    def test_incomplete_reply_runner_fails_non_streaming(self):
        rc, out, err = run("--runner", os.environ["BROKEN_INCOMPLETE"], "--case", "*non_streaming",
                           "--core-version", "0.0.1")
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "protocol/infer_with_tensors_non_streaming")
        self.assertIsNotNone(l, out)
        self.assertIn("complete: false sent to a non-streaming request", l)
        self.assertIsNotNone(line_for(out, "FAIL", "protocol/infer_with_handle_non_streaming"), out)
        self.assertRegex(lines(out)[-1], r"^0 passed, 2 failed$")
        # Streaming requests may get complete: false replies: those cases pass.
        rc, out, err = run("--runner", os.environ["BROKEN_INCOMPLETE"], "--case", "protocol/*_streaming",
                           "--core-version", "0.0.1")
        self.assertIn("PASS protocol/infer_with_tensors_streaming", out)

    def test_crashing_runner_fails_oversized_frame(self):
        rc, out, err = run("--runner", os.environ["BROKEN_CRASH"], "--suite", "robustness",
                           "--case", "oversized_frame")
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "robustness/oversized_frame")
        self.assertIsNotNone(l, out)
        self.assertIn("without a crash signal", l)

    def test_wrong_variant_runner_fails_load(self):
        rc, out, err = run("--runner", os.environ["BROKEN_WRONG_VARIANT"], "--case", "protocol/load")
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "protocol/load")
        self.assertIsNotNone(l, out)
        self.assertIn("expected a LoadResponse or ErrorResponse reply to Load, got SealResponse", l)
        # The per-request case says the same from the schema's table.
        rc, out, err = run("--runner", os.environ["BROKEN_WRONG_VARIANT"], "--case", "protocol/request_load")
        self.assertEqual(rc, 1, out + err)
        self.assertIn('expected a LoadResponse reply to Load or an Error saying "this runner does not implement Load", '
                      "got SealResponse", line_for(out, "FAIL", "protocol/request_load"))

    def test_every_request_variant_has_a_case(self):
        # One per variant of the request union, named after the handler method; the noop
        # runner answers each (a request of a later revision than the default is skipped).
        rc, out, _ = run("--list")
        self.assertEqual(rc, 0)
        cases = [l.split()[0] for l in lines(out) if l.startswith("protocol/request_")]
        for method in ("load", "pack", "seal", "infer_with_tensors", "infer_with_handle"):
            self.assertIn("protocol/request_" + method, cases)
        rc, out, err = run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--case", "protocol/request_*")
        self.assertEqual(rc, 0, out + err)
        for method in ("load", "pack", "seal", "infer_with_tensors", "infer_with_handle"):
            self.assertIsNotNone(line_for(out, "PASS", "protocol/request_" + method), out)
        counts = re.match(r"^([0-9]+) passed, 0 failed(?:, ([0-9]+) skipped)?$", lines(out)[-1])
        self.assertIsNotNone(counts, out)
        self.assertEqual(int(counts.group(1)) + int(counts.group(2) or 0), len(cases))

    def test_leaking_runner_fails_no_leak(self):
        rc, out, err = run("--runner", os.environ["BROKEN_LEAK"], "--case", "robustness/no_leak")
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "robustness/no_leak")
        self.assertIsNotNone(l, out)
        self.assertIn("expected no file descriptors left open", l)
        # The noop runner, which frees what it is done with, passes the same case.
        rc, out, err = run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--case", "robustness/no_leak")
        self.assertEqual(rc, 0, out + err)

    def test_model_dir(self):
        # Without --model-dir the file runner may refuse Load (no model.txt): it passes.
        runner = os.environ["CARTON_FILE_RUNNER"]
        rc, out, err = run("--runner", runner, "--case", "protocol/load")
        self.assertEqual(rc, 0, out + err)
        with tempfile.TemporaryDirectory() as d:
            # Given a model directory, a refused Load is a failure that names the directory.
            rc, out, err = run("--runner", runner, "--case", "protocol/load", "--model-dir", d)
            self.assertEqual(rc, 1, out + err)
            self.assertIn("expected a LoadResponse for the model directory " + d, line_for(out, "FAIL", "protocol/load"))
            with open(os.path.join(d, "model.txt"), "w") as f:
                f.write("conformance model")
            rc, out, err = run("--runner", runner, "--suite", "protocol", "--model-dir", d)
            self.assertEqual(rc, 0, out + err)
        rc, out, err = run("--runner", runner, "--model-dir", "/nonexistent/dir")
        self.assertEqual(rc, 2, out + err)

    def test_broken_runner_passes_what_it_gets_right(self):
        # The crash runner is correct apart from oversized frames.
        rc, out, err = run("--runner", os.environ["BROKEN_CRASH"], "--case", "protocol/load")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(lines(out)[-1], "1 passed, 0 failed")

    def test_decoder(self):
        rc, out, err = run("--decoder")
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(lines(out)[-1], r"^[0-9]+ passed, 0 failed$")

    def test_usage_errors(self):
        noop = os.environ["CARTON_NOOP_RUNNER"]
        self.assertEqual(run("--runner", noop, "--core-version", "1999")[0], 2)
        self.assertEqual(run("--runner", noop, "--suite", "nope")[0], 2)
        self.assertEqual(run("--runner", noop, "--case", "no_such_case")[0], 2)
        self.assertEqual(run()[0], 2)
        self.assertEqual(run("--runner", "/nonexistent/runner")[0], 2)
        rc, out, _ = run("--list")
        self.assertEqual(rc, 0)
        self.assertIn("robustness/unknown_seal_handle", out)

    def test_revision_mismatch_is_named(self):
        # The noop runner forced to 2023-09 by an argument after the core's own, while the
        # suite plays 0.0.1 (and sets CARTON_CORE_REVISION=0.0.1, which the flag overrides).
        with tempfile.TemporaryDirectory() as d:
            wrong = script(d, "noop-2023-09", 'exec "%s" "$@" --core-revision 2023-09' % os.environ["CARTON_NOOP_RUNNER"])
            rc, out, err = run("--runner", wrong, "--core-version", "all", "--case", "protocol/load")
        self.assertEqual(rc, 1, out + err)
        named = ("the runner speaks revision 2023-09; start it with `--core-revision 0.0.1` or "
                 "`CARTON_CORE_REVISION=0.0.1`")
        l = line_for(out, "FAIL", "protocol/load@0.0.1")
        self.assertIsNotNone(l, out)
        self.assertIn(named, l)
        self.assertNotIn("panic", l)  # the mismatch is the whole story
        self.assertIsNotNone(line_for(out, "PASS", "protocol/load@2023-09"), out)
        self.assertIn("#   core 0.0.1: 0 pass, 1 fail, 0 skip; " + named, out)
        self.assertIn("#   core 2023-09: 1 pass, 0 fail, 0 skip\n", out)

    def test_junit(self):
        # Counted from the revisions the tool plays, so a revision added to the schema
        # leaves this test alone; only the released cores' facts are pinned.
        versions = list(reversed(core_versions()))  # `all` plays the newest first
        self.assertEqual(versions[-2:], ["0.0.1", "2023-09"])
        with tempfile.TemporaryDirectory() as d:
            x, j = os.path.join(d, "out.xml"), os.path.join(d, "out.json")
            rc, out, err = run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--core-version", "all",
                               "--case", "protocol/infer_with_*", "--junit", x, "--json", j)
            self.assertEqual(rc, 0, out + err)
            with open(j) as f:
                results = json.load(f)["results"]
            root = ET.parse(x).getroot()
            self.assertEqual(root.tag, "testsuites")
            skipped = [f"{r['case']}@{r['core_version']}" for r in results if r["outcome"] == "SKIP"]
            self.assertEqual((root.get("tests"), root.get("failures"), root.get("skipped")),
                             (str(4 * len(versions)), "0", str(len(skipped))))
            self.assertEqual([s.get("name") for s in root], [f"core {v}" for v in versions])
            cases = root.findall("./testsuite/testcase")
            self.assertEqual(len(cases), 4 * len(versions))
            self.assertEqual(sorted(c.get("name") for c in cases if c.find("skipped") is not None), sorted(skipped))
            # 2023-09 has no streaming; 0.0.1 streams.
            self.assertIn("infer_with_handle_streaming@2023-09", skipped)
            self.assertIn("infer_with_tensors_streaming@2023-09", skipped)
            self.assertFalse([s for s in skipped if s.endswith("@0.0.1")])
            # A failing runner: failures are marked and carry the message.
            rc, out, err = run("--runner", os.environ["BROKEN_WRONG_VARIANT"], "--case", "protocol/load", "--junit", x)
            self.assertEqual(rc, 1, out + err)
            root = ET.parse(x).getroot()
            self.assertEqual((root.get("tests"), root.get("failures")), ("1", "1"))
            failure = root.find("./testsuite/testcase/failure")
            self.assertIn("got SealResponse", failure.get("message"))
            self.assertEqual(run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--junit", "/nonexistent/x.xml")[0], 2)

    def test_runner_exiting_at_startup_is_reported(self):
        # Reported with its status and stderr, not as a bootstrap timeout.
        with tempfile.TemporaryDirectory() as d:
            dying = script(d, "dying", "echo 'cannot find libmodel.so' >&2; exit 3")
            rc, out, err = run("--runner", dying, "--case", "protocol/load")
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "protocol/load")
        self.assertIsNotNone(l, out)
        self.assertIn("exited with status 3", l)
        self.assertIn("cannot find libmodel.so", l)
        self.assertIn("before connecting to the bootstrap socket", l)

    def test_runner_sees_what_carton_shows(self):
        # probe_runner.py prints what it observed and exits 3; the line shows in the failure.
        # carton's real core gives the same line (checked with ref-core, see docs/conformance.md).
        probe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe_runner.py")
        rc, out, err = run("--runner", probe, "--case", "protocol/load")
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "protocol/load")
        self.assertIsNotNone(l, out)
        self.assertIn("probe: bootstrap=open channels=nonblocking cuda='' dir=.tmpXXXXXX", l)


if __name__ == "__main__":
    unittest.main()
