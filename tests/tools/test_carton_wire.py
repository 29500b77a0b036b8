"""Tests of the carton-wire command-line tool, run by CTest (tests/CMakeLists.txt).

Environment: CARTON_WIRE = path of the carton-wire executable,
CARTON_SOURCE_DIR = the source tree (for conformance/vectors).
Run one case with: python3 test_carton_wire.py CartonWireTest.test_decode_frame
"""
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

WIRE = os.environ.get("CARTON_WIRE", "carton-wire")
SOURCE = os.environ.get("CARTON_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
V001 = os.path.join(SOURCE, "conformance", "vectors", "carton-0.0.1")
V2309 = os.path.join(SOURCE, "conformance", "vectors", "carton-2023-09")
HEADER = "#name\tchannel\tdirection\tdescription\tpayload_len\tframe_file\n"
# req_load_min: id u64 (0..7), then the RPCRequestData variant index u32 at offset 8.
TAG_OFFSET = 8


def run(*args):
    p = subprocess.run([WIRE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def read(path):
    with open(path, "rb") as f:
        return f.read()


def corrupted_load_min():
    data = bytearray(read(os.path.join(V001, "req_load_min.bin")))
    data[TAG_OFFSET] = 9  # no such RPCRequestData variant
    return bytes(data)


class CartonWireTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="carton_wire_test_")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def write_index(self, rows):
        self.write("index.tsv", (HEADER + "".join("\t".join(map(str, r)) + "\n" for r in rows)).encode())

    def assert_check_passes(self, *args):
        rc, out, err = run("check", *args)
        self.assertEqual(rc, 0, out + err)
        lines = out.splitlines()
        self.assertRegex(lines[-1], r"^[0-9]+ passed, 0 failed(, [0-9]+ skipped)?$")
        self.assertNotIn("FAIL", out)
        for line in lines[:-1]:
            self.assertRegex(line, r"^(PASS \S+|SKIP \S+: no codec type for this fragment)$")

    def test_check_0_0_1(self):
        self.assert_check_passes(V001)

    def test_check_2023_09(self):
        self.assert_check_passes("--revision", "2023-09", V2309)

    def test_check_corrupt_vector(self):
        payload = corrupted_load_min()
        self.write("req_load_min.bin", payload)
        self.write_index([("req_load_min", "rpc", "core->runner", "corrupted", len(payload), "-")])
        rc, out, err = run("check", self.tmp)
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, r"(?m)^FAIL req_load_min: .*offset %d" % TAG_OFFSET)
        self.assertEqual(out.splitlines()[-1], "0 passed, 1 failed")

    def test_check_wrong_payload_len(self):
        payload = read(os.path.join(V001, "req_load_min.bin"))
        self.write("req_load_min.bin", payload)
        self.write_index([("req_load_min", "rpc", "core->runner", "x", len(payload) + 1, "-")])
        rc, out, err = run("check", self.tmp)
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, r"(?m)^FAIL req_load_min: .*payload_len")

    def test_check_frame_mismatch(self):
        payload = read(os.path.join(V001, "req_load_min.bin"))
        self.write("req_load_min.bin", payload)
        self.write("req_load_min.frame", struct.pack(">Q", len(payload)) + corrupted_load_min())
        self.write("req_load_min_ok.bin", payload)
        self.write("req_load_min_ok.frame", struct.pack(">Q", len(payload)) + payload)
        self.write_index([
            ("req_load_min", "rpc", "core->runner", "x", len(payload), "req_load_min.frame"),
            ("req_load_min_ok", "rpc", "core->runner", "x", len(payload), "req_load_min_ok.frame"),
        ])
        rc, out, err = run("check", self.tmp)
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, r"(?m)^FAIL req_load_min: req_load_min.frame .*offset %d" % TAG_OFFSET)
        self.assertRegex(out, r"(?m)^PASS req_load_min_ok$")
        self.assertEqual(out.splitlines()[-1], "1 passed, 1 failed")

    def test_check_missing_or_malformed_index(self):
        rc, out, err = run("check", self.tmp)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("index.tsv", err)
        self.write("index.tsv", (HEADER + "only\tthree\tcolumns\n").encode())
        rc, out, err = run("check", self.tmp)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("index.tsv:2", err)

    def test_roundtrip_corrupt(self):
        path = self.write("bad.bin", corrupted_load_min())
        rc, out, err = run("roundtrip", "--type", "rpc-request", path)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("offset %d" % TAG_OFFSET, err)

    def test_roundtrip_ok(self):
        rc, out, err = run("roundtrip", "--type", "rpc-request", "--frame", os.path.join(V001, "req_load_min.frame"))
        self.assertEqual(rc, 0, out + err)

    def test_decode_frame(self):
        rc, out, err = run("decode", "--type", "rpc-request", "--frame", os.path.join(V001, "req_load_min.frame"))
        self.assertEqual(rc, 0, out + err)
        self.assertIn('"noop"', out)

    def test_decode_error(self):
        path = self.write("bad.bin", corrupted_load_min())
        rc, out, err = run("decode", "--type", "rpc-request", path)
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(out, "")
        for word in ("RPCRequest", "offset %d" % TAG_OFFSET, "value 9", "limit"):
            self.assertIn(word, err)

    def test_unknown_type_and_revision(self):
        rc, out, err = run("decode", "--type", "nope", os.path.join(V001, "req_load_min.bin"))
        self.assertEqual(rc, 2)
        self.assertIn("nope", err)
        for t in ("rpc-request", "rpc-response", "fs-request", "fs-response", "tensor"):
            self.assertIn(t, err)
        rc, out, err = run("check", "--revision", "1999", V001)
        self.assertEqual(rc, 2)
        self.assertIn("1999", err)

    def test_version_and_help(self):
        rc, out, err = run("--version")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"[0-9]+\.[0-9]+\.[0-9]+")
        rc, out, err = run("--help")
        self.assertEqual(rc, 0)
        for word in ("decode", "roundtrip", "check", "rpc-request", "tensor"):
            self.assertIn(word, out)
        for sub in ("decode", "roundtrip", "check"):
            rc, out, err = run(sub, "--help")
            self.assertEqual(rc, 0, sub)
            self.assertIn("--revision", out)


if __name__ == "__main__":
    unittest.main()
