"""Generator tests: the model's wire facts, the error schemas' messages, the real schema."""

import glob
import os
import re
import unittest

from carton_codegen import bfbs, cli, emit, model as M

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FLATC = os.environ.get("FLATC", "flatc")


def load(path):
    return M.build_model(bfbs.compile_schema(path, FLATC))


class RealSchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = load(os.path.join(ROOT, "schema", "carton.fbs"))

    def variants(self, union):
        return [self.m.records[q].name for q in self.m.unions[union].variants]

    def test_revisions_oldest_first(self):
        self.assertEqual(self.m.revisions, ["Carton2023_09", "Carton0_0_1"])

    def test_rpc_variant_order_matches_facts(self):
        self.assertEqual(self.variants("carton.wire.RPCRequestData"),
                         ["LoadRequest", "PackRequest", "SealRequest", "InferWithTensorsRequest",
                          "InferWithHandleRequest"])
        self.assertEqual(self.variants("carton.wire.RPCResponseData"),
                         ["LoadResponse", "PackResponse", "SealResponse", "InferResponse", "ErrorResponse",
                          "LogMessageResponse", "EmptyResponse"])

    def test_fs_has_32_operations_and_responses_shifted_by_one(self):
        req = self.variants("carton.wire.fs.Request")
        res = self.variants("carton.wire.fs.Response")
        self.assertEqual(len(req), 32)
        self.assertEqual(res[0], "IoErrorResponse")
        self.assertEqual([r.replace("Request", "Response") for r in req], res[1:])
        self.assertEqual(req[31], "SeekRequest")

    def test_tensor_tags(self):
        dtypes = [self.m.records[q].dtype for q in self.m.unions["carton.wire.Tensor"].variants]
        self.assertEqual(dtypes, ["float32", "float64", "string", "int8", "int16", "int32", "int64", "uint8",
                                  "uint16", "uint32", "uint64", "nested"])

    def test_since_fields(self):
        resp = self.m.records["carton.wire.RPCResponse"]
        complete = [f for f in resp.fields if f.name == "complete"][0]
        self.assertEqual(complete.since, "Carton0_0_1")
        self.assertEqual(complete.default, "true")
        self.assertEqual(self.m.records["carton.wire.EmptyResponse"].since, "Carton0_0_1")

    def test_wire_types_resolved(self):
        load = {f.name: f.type for f in self.m.records["carton.wire.LoadRequest"].fields}
        self.assertIsInstance(load["runner_opts"], M.Option)
        self.assertIsInstance(load["runner_opts"].inner, M.Map)
        self.assertEqual(load["carton_manifest_hash"], M.Option(M.String()))
        header = self.m.records["carton.wire.FrameHeader"].fields[0].type
        self.assertTrue(header.big_endian)
        storage = self.m.records["carton.wire.TensorStorage"]
        self.assertTrue(storage.fields[0].always_some)

    def test_min_sizes_are_lower_bounds_for_every_revision(self):
        # RPCResponse: id 8 + tag 4 (complete exists only from 0.0.1)
        self.assertEqual(M.min_wire_size(self.m, M.RecordRef("carton.wire.RPCResponse")), 12)
        # Tensor: tag + an empty nested vector
        self.assertEqual(M.min_wire_size(self.m, M.UnionRef("carton.wire.Tensor")), 12)

    def test_every_table_and_field_is_documented(self):
        for r in self.m.records.values():
            self.assertTrue(r.doc, f"{r.name} has no doc comment")
            for f in r.fields:
                self.assertTrue(f.doc, f"{r.name}.{f.name} has no doc comment")

    def test_output_is_deterministic_and_current(self):
        a = cli.generate(os.path.join(ROOT, "schema", "carton.fbs"), FLATC)
        b = cli.generate(os.path.join(ROOT, "schema", "carton.fbs"), FLATC)
        self.assertEqual(a, b)
        self.assertEqual(cli.check(a, os.path.join(ROOT, "generated")), [])

    def test_docs_reach_the_headers(self):
        files = cli.generate(os.path.join(ROOT, "schema", "carton.fbs"), FLATC)
        self.assertIn("/// The runner name from the model's manifest.", files["carton/wire/rpc_types.hpp"])
        self.assertTrue(all(text.startswith(emit.BANNER) for text in files.values()))


class OkSchemaTest(unittest.TestCase):
    def test_minimal(self):
        m = load(os.path.join(HERE, "ok", "minimal.fbs"))
        self.assertEqual(m.revisions, ["Old", "New"])
        self.assertEqual(m.records["demo.Square"].since, "New")
        files = emit.Emitter(m).render()
        types = files["carton/wire/minimal_types.hpp"]
        self.assertIn("using Shape = std::variant<::demo::Circle, ::demo::Square>;", types)
        self.assertIn("std::optional<std::string> label{};", types)
        codec = files["carton/wire/minimal_codec.cpp"]
        self.assertIn('if (r.revision() < ::demo::Rev::New) r.not_in_revision("Square", 1);', codec)

    def test_variant_order_follows_wire_index(self):
        m = load(os.path.join(HERE, "ok", "out_of_order_indices.fbs"))
        self.assertEqual([m.records[q].name for q in m.unions["demo.U"].variants], ["A", "B"])


class ErrorSchemaTest(unittest.TestCase):
    def test_each_error_schema_fails_with_its_message(self):
        paths = sorted(glob.glob(os.path.join(HERE, "error", "*.fbs")))
        self.assertGreaterEqual(len(paths), 8)
        for path in paths:
            with self.subTest(os.path.basename(path)):
                with open(path) as f:
                    expect = re.match(r"// expect: (.*)", f.readline()).group(1)
                with self.assertRaises((M.ModelError, bfbs.FlatcError)) as ctx:
                    load(path)
                self.assertIn(expect, str(ctx.exception))

    def test_cli_reports_flatc_location_and_exit_code(self):
        path = os.path.join(HERE, "error", "undeclared_attribute.fbs")
        import contextlib
        import io
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = cli.main(["--schema", path, "--check", "--flatc", FLATC])
        self.assertEqual(code, 2)
        self.assertIn("undeclared_attribute.fbs:5:", err.getvalue())


if __name__ == "__main__":
    unittest.main()
