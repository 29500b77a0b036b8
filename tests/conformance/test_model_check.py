"""Tests of carton-conformance --model-check (the model suite), run by CTest
(tests/conformance/model_check.cmake).

Environment: CARTON_CONFORMANCE = the carton-conformance executable, CARTON_NOOP_RUNNER =
carton-runner-noop (it echoes, so its expected outputs are its inputs),
CARTON_FILE_RUNNER = carton-runner-file; for the TorchScript cases
CARTON_TORCHSCRIPT_RUNNER and CARTON_TORCH_MODELS (make_models.py's output directory).
Run one case with: python3 test_model_check.py ModelCheckTest.test_noop_echo_check_passes
"""
import json
import os
import tempfile
import unittest

from test_carton_conformance import line_for, lines, run

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLER_CHECK = os.path.join(HERE, "doubler_check.json")


def tensor(dtype, shape, data, **extra):
    return dict({"dtype": dtype, "shape": shape, "data": data}, **extra)


# Every kind of element a check compares: floats with NaN and infinities, the edges of
# int64 and uint64 (which JSON as a double would lose), strings.
ECHO = {
    "f": tensor("float32", [2, 2], [1.5, "nan", "-inf", -0.0]),
    "d": tensor("float64", [3], [0.1, 1e300, "inf"]),
    "i": tensor("int64", [2], [-9223372036854775808, 9223372036854775807]),
    "u": tensor("uint64", [], [18446744073709551615]),
    "s": tensor("string", [2], ["carton", ""]),
}


class ModelCheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def check_file(self, check, name="check.json"):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            json.dump(check, f)
        return path

    def noop(self, check, *args):
        return run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--model-check", self.check_file(check),
                   "--case", "model/infer_with_tensors", *args)

    def expect_failure(self, check, *parts):
        rc, out, err = self.noop(check)
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "model/infer_with_tensors")
        self.assertIsNotNone(l, out)
        for p in parts:
            self.assertIn(p, l)
        return l

    def test_noop_echo_check_passes(self):
        check = self.check_file({"inputs": ECHO, "outputs": ECHO, "rtol": 0, "atol": 0})
        j = os.path.join(self.dir.name, "out.json")
        rc, out, err = run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--model-check", check,
                           "--core-version", "all", "--suite", "model", "--json", j)
        self.assertEqual(rc, 0, out + err)
        for case in ("infer_with_tensors", "seal_infer_with_handle", "concurrent_infers_8"):
            for version in ("0.0.1", "2023-09"):
                self.assertIsNotNone(line_for(out, "PASS", f"model/{case}@{version}"), out)
        self.assertEqual(lines(out)[-1], "6 passed, 0 failed")
        with open(j) as f:
            self.assertEqual({r["suite"] for r in json.load(f)["results"]}, {"model"})

    def test_model_check_adds_the_model_suite(self):
        # Without --suite model the default suites run, and the model suite with them.
        rc, out, err = run("--runner", os.environ["CARTON_NOOP_RUNNER"], "--case", "*infer_with_tensors*",
                           "--model-check", self.check_file({"inputs": ECHO, "outputs": ECHO}))
        self.assertEqual(rc, 0, out + err)
        self.assertIsNotNone(line_for(out, "PASS", "model/infer_with_tensors"), out)
        self.assertIsNotNone(line_for(out, "PASS", "protocol/infer_with_tensors_non_streaming"), out)

    def test_a_wrong_float_names_tensor_index_values_and_tolerance(self):
        outputs = dict(ECHO, f=tensor("float32", [2, 2], [1.5, "nan", "-inf", 0.25]))
        self.expect_failure({"inputs": ECHO, "outputs": outputs, "rtol": 0.25, "atol": 0.125},
                            'expected output "f"[1, 1] to be 0.25, got -0',
                            "|got - expected| = 0.25 > atol 0.125 + rtol 0.25 * |expected| = 0.1875",
                            "1 of 4 elements differ", "InferWithTensors")

    def test_nan_and_infinities_match_only_themselves(self):
        outputs = dict(ECHO, d=tensor("float64", [3], [0.1, 1e300, 1e308]))
        self.expect_failure({"inputs": ECHO, "outputs": outputs, "rtol": 1, "atol": 1e308},
                            'expected output "d"[2] to be 1e+308, got inf', "an infinity only itself")
        outputs = dict(ECHO, f=tensor("float32", [2, 2], [1.5, 0, "-inf", 0]))
        self.expect_failure({"inputs": ECHO, "outputs": outputs, "atol": 10},
                            'expected output "f"[0, 1] to be 0, got nan')

    def test_tolerances_pass_what_is_close_and_per_output_ones_win(self):
        inputs = {"x": tensor("float32", [2], [1.0, 100.0])}
        close = {"x": tensor("float32", [2], [1.001, 100.1])}
        rc, out, err = self.noop({"inputs": inputs, "outputs": close, "rtol": 1e-3, "atol": 1e-3})
        self.assertEqual(rc, 0, out + err)
        exact = {"x": tensor("float32", [2], [1.001, 100.1], rtol=0, atol=0)}
        self.expect_failure({"inputs": inputs, "outputs": exact, "rtol": 1e-3, "atol": 1e-3},
                            'expected output "x"[0] to be 1.00100005, got 1 ', "2 of 2 elements differ")

    def test_integers_and_strings_must_be_equal(self):
        outputs = dict(ECHO, u=tensor("uint64", [], [18446744073709551614]))
        self.expect_failure({"inputs": ECHO, "outputs": outputs, "rtol": 1, "atol": 1},
                            'expected output "u"[] to be 18446744073709551614, got 18446744073709551615',
                            "exact for uint64")
        outputs = dict(ECHO, s=tensor("string", [2], ["carton", "x"]))
        self.expect_failure({"inputs": ECHO, "outputs": outputs}, 'expected output "s"[1] to be "x", got ""',
                            "exact for string")

    def test_missing_outputs_dtype_and_shape_are_named(self):
        self.expect_failure({"inputs": ECHO, "outputs": {"y": tensor("int8", [1], [1])}},
                            'expected output "y", got only "f", "d", "i", "u", "s"')
        self.expect_failure({"inputs": ECHO, "outputs": {"f": tensor("float64", [2, 2], [1, 2, 3, 4])}},
                            'expected output "f" to be float64, got float32')
        self.expect_failure({"inputs": ECHO, "outputs": {"f": tensor("float32", [4], [1, 2, 3, 4])}},
                            'expected output "f" to have shape [4], got [2, 2]')

    def test_inputs_and_outputs_may_name_files(self):
        # The file ref-core's `load-infer --input` reads, relative to the check file.
        self.check_file(ECHO, "inputs.json")
        self.check_file({"f": ECHO["f"]}, "expected.json")
        rc, out, err = self.noop({"inputs": "inputs.json", "outputs": "expected.json"})
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.noop({"inputs": "missing.json", "outputs": "expected.json"})
        self.assertEqual(rc, 2, out + err)
        self.assertIn("\"inputs\" names " + os.path.join(self.dir.name, "missing.json") + ": cannot read", err)

    def test_a_broken_check_file_is_a_usage_error(self):
        noop = os.environ["CARTON_NOOP_RUNNER"]
        bad = os.path.join(self.dir.name, "bad.json")
        with open(bad, "w") as f:
            f.write('{"inputs": {},\n "outputs": {"x": {"dtype": "float32", "shape": [1] "data": [1]}}}')
        rc, out, err = run("--runner", noop, "--model-check", bad)
        self.assertEqual(rc, 2, out + err)
        self.assertIn(f"--model-check: the model check {bad}: line 2, column 53: expected ',' or '}}' in an object, got '\"'", err)
        rc, out, err = self.noop({"inputs": {}, "output": {}})
        self.assertEqual(rc, 2, out + err)
        self.assertIn('unknown key "output"', err)
        rc, out, err = self.noop({"inputs": {"x": tensor("int8", [2], [1])}, "outputs": ECHO})
        self.assertIn('input "x": shape [2] holds 2 element(s), but "data" has 1', err)
        rc, out, err = self.noop({"inputs": {}, "outputs": ECHO, "rtol": -1})
        self.assertIn('"rtol": expected a tolerance >= 0, got -1', err)
        self.assertEqual(run("--runner", noop, "--suite", "model")[0], 2)
        self.assertEqual(run("--runner", noop, "--model-check", os.path.join(self.dir.name, "none.json"))[0], 2)

    def test_huge_lengths_against_a_model_dir_without_the_model_names_only_the_load(self):
        # The suite's malformed requests (ids from 1000) answered with Error are replies to
        # requests the mock core sent: a case failing for another reason does not report
        # them as replies the real core would panic on.
        runner = os.environ["CARTON_FILE_RUNNER"]
        rc, out, err = run("--runner", runner, "--case", "robustness/huge_lengths", "--model-dir", self.dir.name)
        self.assertEqual(rc, 1, out + err)
        l = line_for(out, "FAIL", "robustness/huge_lengths")
        self.assertIn("expected a LoadResponse for the model directory " + self.dir.name, l)
        self.assertNotIn("response for id", l)
        with open(os.path.join(self.dir.name, "model.txt"), "w") as f:
            f.write("conformance model")
        rc, out, err = run("--runner", runner, "--case", "robustness/*", "--model-dir", self.dir.name)
        self.assertEqual(rc, 0, out + err)


@unittest.skipUnless(os.environ.get("CARTON_TORCHSCRIPT_RUNNER"), "the TorchScript runner is not built")
class TorchScriptModelCheckTest(unittest.TestCase):
    """The TorchScript runner with make_models.py's doubler, as scripts/main.sh runs it."""

    def torch(self, *args):
        return run("--runner", os.environ["CARTON_TORCHSCRIPT_RUNNER"], "--suite", "model", *args)

    def doubler(self):
        return os.path.join(os.environ["CARTON_TORCH_MODELS"], "doubler")

    def test_the_doubler_gives_its_expected_outputs(self):
        rc, out, err = self.torch("--core-version", "all", "--model-dir", self.doubler(), "--model-check", DOUBLER_CHECK)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(lines(out)[-1], "6 passed, 0 failed")

    def test_wrong_expected_outputs_fail_naming_the_tensor(self):
        with open(DOUBLER_CHECK) as f:
            check = json.load(f)
        check["inputs"] = os.path.join(HERE, check["inputs"])
        check["outputs"]["x"]["data"][1] = -6.5
        with tempfile.TemporaryDirectory() as d:
            wrong = os.path.join(d, "wrong.json")
            with open(wrong, "w") as f:
                json.dump(check, f)
            rc, out, err = self.torch("--model-dir", self.doubler(), "--model-check", wrong)
        self.assertEqual(rc, 1, out + err)
        for case, via in (("infer_with_tensors", "InferWithTensors"), ("seal_infer_with_handle", "InferWithHandle"),
                          ("concurrent_infers_8", "InferWithTensors")):
            l = line_for(out, "FAIL", "model/" + case)
            self.assertIsNotNone(l, out)
            self.assertIn('expected output "x"[1] to be -6.5, got -6 (|got - expected| = 0.5 > atol 0', l)
            self.assertIn(f"(model check {wrong}, {via})", l)

    def test_an_empty_model_dir_fails(self):
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = self.torch("--model-dir", d, "--model-check", DOUBLER_CHECK)
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(lines(out)[-1], "0 passed, 3 failed")
        self.assertRegex(line_for(out, "FAIL", "model/infer_with_tensors"),
                         r"expected a LoadResponse for the model check .*doubler_check.json \(model directory .*\), "
                         r"got ErrorResponse: Load: no model file: the model directory holds no model.pt")

    def test_runner_opts_reach_the_load(self):
        with open(DOUBLER_CHECK) as f:
            check = json.load(f)
        check["inputs"] = os.path.join(HERE, check["inputs"])
        check["runner_opts"] = {"num_threads": 0}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "opts.json")
            with open(path, "w") as f:
                json.dump(check, f)
            rc, out, err = self.torch("--model-dir", self.doubler(), "--model-check", path,
                                      "--case", "model/infer_with_tensors")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("runner_opts num_threads = 0: libtorch needs a thread count from 1",
                      line_for(out, "FAIL", "model/infer_with_tensors"))


if __name__ == "__main__":
    unittest.main()
