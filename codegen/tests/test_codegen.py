"""Generator tests: the model's wire facts, the error schemas' messages, the real schema."""

import contextlib
import glob
import io
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import unittest.mock

from carton_codegen import bfbs, cli, emit, lock, model as M

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FLATC = os.environ.get("FLATC", "flatc")
CXX = os.environ.get("CXX", "c++")
LOCK = os.path.join(ROOT, "schema", "wire.lock")


def load(path):
    return M.build_model(bfbs.compile_schema(path, FLATC))


class RealSchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = load(os.path.join(ROOT, "schema", "carton.fbs"))

    def variants(self, union):
        return [self.m.records[q].name for q in self.m.unions[union].variants]

    # Pinned to the released cores (FACTS), not to the schema's latest revision, so a new
    # revision added as docs/evolving-the-protocol.md says leaves these tests alone.

    def test_released_revisions_come_first_oldest_first(self):
        names = [r.name for r in self.m.revision_info]
        self.assertEqual(names[:2], ["2023-09", "0.0.1"])
        self.assertEqual(list(lock.read(LOCK))[:2], ["2023-09", "0.0.1"])
        self.assertEqual(M.Revision("Carton0_0_1", "0.0.1"), self.m.revision_info[1])
        self.assertEqual(self.m.default_revision, "Carton0_0_1")

    def released_variants(self, revision, union):
        return [e.split(" ", 1)[1] for e in lock.describe(self.m, revision)[union][1]]

    def test_rpc_variant_order_matches_facts(self):
        self.assertEqual(self.released_variants("Carton0_0_1", "RPCRequestData"),
                         ["LoadRequest", "PackRequest", "SealRequest", "InferWithTensorsRequest",
                          "InferWithHandleRequest"])
        self.assertEqual(self.released_variants("Carton0_0_1", "RPCResponseData"),
                         ["LoadResponse", "PackResponse", "SealResponse", "InferResponse", "ErrorResponse",
                          "LogMessageResponse", "EmptyResponse"])
        self.assertNotIn("EmptyResponse", self.released_variants("Carton2023_09", "RPCResponseData"))

    def test_streaming_is_derived_per_revision(self):
        from carton_codegen import service
        self.assertEqual([service.supports_streaming(self.m, r) for r in self.m.revisions[:2]], [False, True])
        text = cli.generate(os.path.join(ROOT, "schema", "carton.fbs"), FLATC)["carton/wire/revisions.hpp"]
        self.assertIn('{ ::carton::wire::CoreRevision::Carton0_0_1, "0.0.1", "Carton0_0_1", true },', text)

    def test_the_lock_matches_the_schema(self):
        self.assertEqual(lock.check(self.m, lock.read(LOCK)), [])

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


class SinceEveryKindTest(unittest.TestCase):
    """A field of every kind added by a later revision: defaults and refusals compile."""

    @classmethod
    def setUpClass(cls):
        cls.m = load(os.path.join(HERE, "ok", "since_every_kind.fbs"))
        cls.files = emit.Emitter(cls.m).render()
        cls.codec = cls.files["carton/wire/since_every_kind_codec.cpp"]

    def test_each_kind_decodes_to_its_default_and_refuses_others(self):
        expected = {
            "flag": ("true", "v.flag == true"),
            "count": ("7", "v.count == 7"),
            "ratio": ("0.5", "::carton::wire::bit_equal<float>(v.ratio, 0.5)"),
            "scale": ("0.0", "::carton::wire::bit_equal<double>(v.scale, 0.0)"),
            "color": ("static_cast<::demo::Color>(1)", "v.color == static_cast<::demo::Color>(1)"),
            "name": ("std::string{}", "v.name == std::string{}"),
            "label": ("std::optional<std::string>{}", "v.label == std::optional<std::string>{}"),
            "blob": ("::carton::wire::Bytes{}", "v.blob == ::carton::wire::Bytes{}"),
            "sizes": ("std::vector<std::uint64_t>{}", "v.sizes == std::vector<std::uint64_t>{}"),
            "attrs": ("::carton::wire::Map<std::string, std::int64_t>{}",
                      "v.attrs == ::carton::wire::Map<std::string, std::int64_t>{}"),
            "inner": ("::demo::Circle{}", "v.inner == ::demo::Circle{}"),
            "shape": ("::demo::Shape{}", "v.shape == ::demo::Shape{}"),
            "some_shape": ("::demo::Shape{}", "v.some_shape == ::demo::Shape{}"),
            "maybe": ("std::optional<::demo::Square>{}", "v.maybe == std::optional<::demo::Square>{}"),
        }
        for field, (default, is_default) in expected.items():
            with self.subTest(field):
                self.assertIn(f"    v.{field} = {default};", self.codec)
                self.assertIn(f"}} else if (!({is_default})) {{", self.codec)
        self.assertNotIn("== {})", self.codec)
        self.assertIn("::demo::Color color = static_cast<::demo::Color>(1);",
                      self.files["carton/wire/since_every_kind_types.hpp"])

    @unittest.skipUnless(shutil.which(CXX), f"no C++ compiler ({CXX})")
    def test_generated_code_compiles(self):
        with tempfile.TemporaryDirectory(prefix="carton-codegen-test-") as out:
            cli.write(self.files, out)
            proc = subprocess.run([CXX, "-std=c++17", "-fsyntax-only", "-I", out,
                                   "-I", os.path.join(ROOT, "runtime", "include"),
                                   os.path.join(out, "carton", "wire", "since_every_kind_codec.cpp")],
                                  capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])


class LockTest(unittest.TestCase):
    """The lock names each change to a released revision's bytes."""

    @classmethod
    def setUpClass(cls):
        cls.m = load(os.path.join(ROOT, "schema", "carton.fbs"))

    def released_as(self, edit):
        locked = {"0.0.1": lock.describe(self.m, "Carton0_0_1")}
        edit(locked["0.0.1"])
        return "\n".join(lock.check(self.m, locked))

    def test_reordered_fields(self):
        def swap(d):
            entries = d["PackRequest"][1]
            entries[1], entries[2] = entries[2].replace("2 ", "1 ", 1), entries[1].replace("1 ", "2 ", 1)
        self.assertIn("field PackRequest.input_path: position 1 was `temp_folder: string` in released revision "
                      "0.0.1, now `input_path: string`", self.released_as(swap))

    def test_retyped_field(self):
        def retype(d):
            d["SealHandle"][1][0] = "0 value: u32"
        self.assertIn("field SealHandle.value: position 0 was `value: u32` in released revision 0.0.1, "
                      "now `value: u64`", self.released_as(retype))

    def test_removed_field_and_variant(self):
        def extra(d):
            d["ErrorResponse"][1].append("1 code: u32")
            d["Device"][1].append("2 TpuDevice")
        got = self.released_as(extra)
        self.assertIn("table ErrorResponse: `code: u32` (position 1) is gone from released revision 0.0.1", got)
        self.assertIn("union Device: variant 2 TpuDevice is gone from released revision 0.0.1", got)

    def test_changed_index_and_tag(self):
        def moved(d):
            d["RunnerOpt"] = ("union RunnerOpt u8", ["0 IntegerOpt", "1 StringOpt", "2 DoubleOpt", "3 BooleanOpt"])
        got = self.released_as(moved)
        self.assertIn("union RunnerOpt: was `union RunnerOpt u8` in released revision 0.0.1, now "
                      "`union RunnerOpt u32`", got)
        self.assertIn("union RunnerOpt: variant 1 was StringOpt in released revision 0.0.1, now DoubleOpt", got)

    def test_round_trips_through_text(self):
        locked = lock.read(LOCK)
        self.assertEqual(lock.parse(lock.render(locked)), locked)

    def test_release_refuses_unknown_revision(self):
        with self.assertRaises(lock.LockError):
            lock.release(self.m, {}, "9.9.9")

    def test_release_again_refuses_a_byte_change_unless_allowed(self):
        locked = {"0.0.1": lock.describe(self.m, "Carton0_0_1")}
        locked["0.0.1"]["SealHandle"][1][0] = "0 value: u32"  # the schema has changed it to u64 since
        with self.assertRaises(lock.LockError) as ctx:
            lock.release(self.m, locked, "0.0.1")
        self.assertIn("--release 0.0.1: 0.0.1 is already released and the schema changes its bytes", str(ctx.exception))
        self.assertIn("field SealHandle.value: position 0 was `value: u32`", str(ctx.exception))
        self.assertIn("--allow-byte-change", str(ctx.exception))
        again = lock.release(self.m, locked, "Carton0_0_1", allow_byte_change=True)
        self.assertEqual(again["0.0.1"], lock.describe(self.m, "Carton0_0_1"))

    def test_release_again_after_a_rename_needs_no_flag(self):
        locked = {"0.0.1": lock.describe(self.m, "Carton0_0_1")}
        entries = locked["0.0.1"]["PackRequest"][1]
        entries[1] = entries[1].replace("input_path", "input")
        again = lock.release(self.m, locked, "0.0.1")
        self.assertEqual(again["0.0.1"], lock.describe(self.m, "Carton0_0_1"))

    def test_same_bytes_ignores_names_only(self):
        new = lock.describe(self.m, "Carton0_0_1")
        old = {k: (h, list(e)) for k, (h, e) in new.items()}
        # A referenced table renamed everywhere, a field and an enum value renamed.
        old["Handle"] = ("struct Handle", ["0 v: u64"])
        del old["SealHandle"]
        for k, (h, e) in old.items():
            old[k] = (h, [x.replace(": SealHandle", ": Handle") for x in e])
        old["Level"] = (old["Level"][0], [x.replace("Warn", "Warning") for x in old["Level"][1]])
        self.assertTrue(lock.same_bytes(old, new))
        self.assertFalse(lock.same_bytes(lock.describe(self.m, "Carton2023_09"), new))
        old["Level"] = (old["Level"][0], old["Level"][1][:-1])  # an enum value gone
        self.assertFalse(lock.same_bytes(old, new))
        old = {k: (h, list(e)) for k, (h, e) in new.items()}
        old["Device"] = ("union Device u8", old["Device"][1])  # a tag width
        self.assertFalse(lock.same_bytes(old, new))


class ErrorSchemaTest(unittest.TestCase):
    def test_each_error_schema_fails_with_its_message(self):
        paths = sorted(glob.glob(os.path.join(HERE, "error", "*.fbs")))
        self.assertGreaterEqual(len(paths), 8)
        for path in paths:
            with self.subTest(os.path.basename(path)):
                with open(path) as f:
                    expect = re.match(r"// expect: (.*)", f.readline()).group(1)
                    absent = re.match(r"// not: (.*)", f.readline())  # a wrong fix the message must not suggest
                with self.assertRaises((M.ModelError, bfbs.FlatcError)) as ctx:
                    load(path)
                self.assertIn(expect, str(ctx.exception))
                if absent:
                    self.assertNotIn(absent.group(1), str(ctx.exception))

    def test_every_error_is_one_located_line_without_traceback(self):
        for path in sorted(glob.glob(os.path.join(HERE, "error", "*.fbs"))):
            with self.subTest(os.path.basename(path)):
                err = io.StringIO()
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    code = cli.main(["--schema", path, "--check", "--flatc", FLATC])
                self.assertEqual(code, 2)
                self.assertRegex(err.getvalue(), re.escape(os.path.basename(path)) + r":\d+:")
                self.assertNotIn("Traceback", err.getvalue())

    def test_a_generator_bug_is_exit_3_not_stale(self):
        # --check's exit 1 means "generated/ is stale"; a crash must never read as that.
        err = io.StringIO()
        broken = unittest.mock.patch.object(emit.Emitter, "render", side_effect=ValueError("boom"))
        with broken, contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(["--schema", os.path.join(HERE, "ok", "minimal.fbs"), "--check", "--flatc", FLATC])
        self.assertEqual(code, 3)
        self.assertIn("carton-codegen: internal error", err.getvalue())
        self.assertIn("ValueError: boom", err.getvalue())

    def test_cli_reports_flatc_location_and_exit_code(self):
        path = os.path.join(HERE, "error", "undeclared_attribute.fbs")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = cli.main(["--schema", path, "--check", "--flatc", FLATC])
        self.assertEqual(code, 2)
        self.assertIn("undeclared_attribute.fbs:5:", err.getvalue())


if __name__ == "__main__":
    unittest.main()
