// Every vector captured from the real Rust implementation decodes with the matching
// core revision and re-encodes to the same bytes; spot checks pin decoded values.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "carton/conformance/roundtrip.hpp"
#include "carton/conformance/vector_index.hpp"
#include "carton/wire/messages.hpp"
#include "test_support.hpp"

using namespace carton;
using carton::test::load_payload;
using wire::CoreRevision;

namespace {

void check_directory(const std::string& version, CoreRevision rev) {
  const auto entries = conformance::read_vector_index(test::vectors_dir(version));
  BOOST_REQUIRE(!entries.empty());
  int checked = 0;
  for (const auto& e : entries) {
    BOOST_TEST_CONTEXT(version << "/" << e.name) {
      const auto payload = conformance::read_file(test::vectors_dir(version) + "/" + e.name + ".bin");
      BOOST_TEST(payload.size() == e.payload_len);
      if (e.frame_file != "-") {
        const auto frame = conformance::read_file(test::vectors_dir(version) + "/" + e.frame_file);
        BOOST_TEST((conformance::unframe(frame) == payload));
      }
      const std::string type = conformance::vector_type(e);
      if (type.empty()) continue;  // a tuple fragment; no codec type of its own
      const auto res = conformance::roundtrip(type, payload, rev, e.arbitrary_order);
      BOOST_TEST(res.ok, res.message);
      ++checked;
    }
  }
  BOOST_TEST(checked >= static_cast<int>(entries.size()) - 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_0_0_1_vector_round_trips) { check_directory("0.0.1", CoreRevision::Carton0_0_1); }

BOOST_AUTO_TEST_CASE(every_2023_09_vector_round_trips) { check_directory("2023-09", CoreRevision::Carton2023_09); }

BOOST_AUTO_TEST_CASE(load_request_fields_decode) {
  const auto req = wire::decode_message<wire::RPCRequest>(test::bytes_of(load_payload("0.0.1", "req_load_min")),
                                                          CoreRevision::Carton0_0_1);
  BOOST_TEST(req.id.value == 0u);
  const auto& load = std::get<wire::LoadRequest>(req.data);
  BOOST_TEST(load.fs.value == 0u);
  BOOST_TEST(load.runner_name == "noop");
  BOOST_TEST(load.required_framework_version == ">=1.2, <2.0");
  BOOST_TEST(load.runner_compat_version == 1u);
  BOOST_TEST(!load.runner_opts.has_value());
  BOOST_TEST(std::holds_alternative<wire::CpuDevice>(load.visible_device));
  BOOST_TEST(!load.carton_manifest_hash.has_value());
}

BOOST_AUTO_TEST_CASE(runner_opts_and_gpu_decode) {
  const auto req = wire::decode_message<wire::RPCRequest>(
      test::bytes_of(load_payload("0.0.1", "req_load_opts_all4_gpu_uuid")), CoreRevision::Carton0_0_1);
  const auto& load = std::get<wire::LoadRequest>(req.data);
  BOOST_TEST(load.fs.value == 3u);
  BOOST_REQUIRE(load.runner_opts.has_value());
  BOOST_TEST(std::get<wire::IntegerOpt>(load.runner_opts->at("a_int")).value == 7);
  BOOST_TEST(std::get<wire::DoubleOpt>(load.runner_opts->at("b_double")).value == -2.5);
  BOOST_TEST(std::get<wire::StringOpt>(load.runner_opts->at("c_string")).value == "x");
  BOOST_TEST(std::get<wire::BooleanOpt>(load.runner_opts->at("d_bool")).value == false);
  BOOST_TEST(*std::get<wire::GpuDevice>(load.visible_device).uuid == "GPU-8a4b2c1d-0000-1111-2222-333344445555");
}

BOOST_AUTO_TEST_CASE(float_tensor_keeps_nan_payload_and_negative_zero) {
  const auto req = wire::decode_message<wire::RPCRequest>(
      test::bytes_of(load_payload("0.0.1", "req_infer_tensor_float32")), CoreRevision::Carton0_0_1);
  const auto& t = std::get<wire::InferWithTensorsRequest>(req.data).tensors.at("t");
  BOOST_TEST(t.dtype() == wire::DType::kFloat32);
  BOOST_TEST(t.shape() == wire::Shape{4});
  const auto v = t.values<float>();
  BOOST_REQUIRE(v.size() == 4u);
  std::uint32_t bits[4];
  std::memcpy(bits, v.data(), sizeof bits);
  BOOST_TEST(v[0] == 1.5f);
  BOOST_TEST(bits[1] == 0x80000000u);  // -0.0
  BOOST_TEST(bits[2] == 0x7f800000u);  // +inf
  BOOST_TEST(bits[3] == 0x7fc00001u);  // NaN with payload
}

BOOST_AUTO_TEST_CASE(nested_and_strided_tensors_decode) {
  const auto nested = wire::decode_message<wire::RPCRequest>(
      test::bytes_of(load_payload("2023-09", "req_infer_tensor_nested")), CoreRevision::Carton2023_09);
  const auto& t = std::get<wire::InferWithTensorsRequest>(nested.data).tensors.at("t");
  BOOST_REQUIRE(t.dtype() == wire::DType::kNested);
  BOOST_REQUIRE(t.children().size() == 3u);
  BOOST_TEST(t.children()[1].values<float>() == (std::vector<float>{3, 4, 5}));
  BOOST_TEST(t.children()[2].children()[0].values<std::int32_t>() == std::vector<std::int32_t>{-7});

  const auto strided = wire::decode_message<wire::RPCRequest>(
      test::bytes_of(load_payload("0.0.1", "req_infer_tensor_strided_float32")), CoreRevision::Carton0_0_1);
  const auto& s = std::get<wire::InferWithTensorsRequest>(strided.data).tensors.at("t");
  BOOST_TEST(s.shape() == (wire::Shape{2, 3}));
  BOOST_TEST(*s.strides() == (wire::Shape{1, 2}));
}

BOOST_AUTO_TEST_CASE(revisions_differ_only_where_the_schema_says) {
  // The same request decoded under each revision's vector: equal values.
  const auto a = wire::decode_message<wire::RPCRequest>(test::bytes_of(load_payload("0.0.1", "req_infer_tensors")),
                                                        CoreRevision::Carton0_0_1);
  const auto b = wire::decode_message<wire::RPCRequest>(test::bytes_of(load_payload("2023-09", "req_infer_tensors")),
                                                        CoreRevision::Carton2023_09);
  BOOST_TEST((a == b));
  // A 0.0.1 response decodes as 2023-09 only by misreading: the revision must be chosen.
  BOOST_CHECK_THROW(wire::decode_message<wire::RPCResponse>(test::bytes_of(load_payload("0.0.1", "resp_error")),
                                                            CoreRevision::Carton2023_09),
                    wire::DecodeError);
}

BOOST_AUTO_TEST_CASE(fs_frames_decode) {
  const auto res = wire::decode_message<wire::fs::FsResponseFrame>(
      test::bytes_of(load_payload("0.0.1", "fs_res_ioerror_notfound")), CoreRevision::Carton0_0_1);
  BOOST_TEST(res.rpc_id == 11u);
  const auto& err = std::get<wire::fs::IoErrorResponse>(res.msg).error;
  BOOST_TEST((err.kind == wire::fs::IoErrorKind::NotFound));
  BOOST_TEST(err.msg == "No such file or directory (os error 2)");

  const auto req = wire::decode_message<wire::fs::FsRequestFrame>(
      test::bytes_of(load_payload("0.0.1", "fs_req_open_file_with_opts")), CoreRevision::Carton0_0_1);
  const auto& open = std::get<wire::fs::OpenFileWithOptsRequest>(req.msg);
  BOOST_TEST(req.stream.value == 1u);
  BOOST_TEST((open.opts.read && open.opts.write && open.opts.append && !open.opts.truncate));
  BOOST_TEST(open.path == "out/file.bin");
}
