// Untrusted bytes: every failure is a DecodeError that names message, path, offset,
// value and limit; nothing crashes, allocates by a bogus length or recurses unbounded.
#include <boost/test/unit_test.hpp>

#include <limits>
#include <variant>

#include "carton/conformance/roundtrip.hpp"
#include "carton/conformance/vector_index.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/messages.hpp"
#include "test_support.hpp"

using namespace carton;
using test::bytes_of;
using test::load_payload;
using test::put;
using wire::CoreRevision;
using wire::DecodeError;
using wire::DecodeErrorKind;

namespace {

template <class M>
DecodeError decode_error(std::vector<std::uint8_t> payload, CoreRevision rev = CoreRevision::Carton0_0_1,
                         wire::Limits limits = {}) {
  try {
    wire::decode_message<M>(bytes_of(std::move(payload)), rev, limits);
  } catch (const DecodeError& e) {
    return e;
  }
  BOOST_FAIL("decoding succeeded; a DecodeError was expected");
  throw;  // unreachable
}

std::vector<std::uint8_t> nested_tensor_bytes(std::size_t depth) {
  // RPCRequest{id 0, InferWithTensors{{"t": Nested[Nested[...[Float32 scalar]]]}, false}}
  std::vector<std::uint8_t> v(8, 0);
  auto u32 = [&](std::uint32_t x) { v.insert(v.end(), {std::uint8_t(x), std::uint8_t(x >> 8), std::uint8_t(x >> 16), std::uint8_t(x >> 24)}); };
  auto u64 = [&](std::uint64_t x) { for (int i = 0; i < 8; ++i) v.push_back(std::uint8_t(x >> (8 * i))); };
  u32(3);
  u64(1);
  u64(1);
  v.push_back('t');
  for (std::size_t i = 0; i < depth; ++i) {
    u32(11);
    u64(1);
  }
  u32(0);  // Float32
  u32(0);  // numeric storage
  v.push_back(1);
  u64(4);
  u32(0);
  u64(0);         // shape []
  v.push_back(0); // strides None
  v.push_back(0); // streaming false
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_vector_truncated_at_every_offset_fails_cleanly) {
  for (const std::string version : {"0.0.1", "2023-09"}) {
    const auto rev = *wire::parse_core_revision(version);
    for (const auto& e : conformance::read_vector_index(test::vectors_dir(version))) {
      const std::string type = conformance::vector_type(e);
      if (type.empty()) continue;
      const auto full = load_payload(version, e.name);
      for (std::size_t cut = 0; cut < full.size(); ++cut) {
        const auto res = conformance::roundtrip(
            type, bytes_of(std::vector<std::uint8_t>(full.begin(), full.begin() + cut)), rev);
        BOOST_TEST_CONTEXT(version << "/" << e.name << " cut at " << cut) {
          BOOST_TEST(!res.ok);
          BOOST_TEST(res.message.find("cannot decode") != std::string::npos, res.message);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(error_names_message_path_offset_value_and_limit) {
  auto v = load_payload("0.0.1", "req_load_min");
  put<std::uint64_t>(v, 20, std::uint64_t{1} << 63);  // runner_name length
  const auto e = decode_error<wire::RPCRequest>(v);
  BOOST_TEST((e.kind() == DecodeErrorKind::kLengthTooLarge));
  BOOST_TEST(e.message_type() == "RPCRequest");
  BOOST_TEST(e.path() == "data.LoadRequest.runner_name");
  BOOST_TEST(e.offset() == 20u);
  BOOST_TEST(e.value() == std::uint64_t{1} << 63);
  BOOST_TEST(e.limit() == v.size() - 28);
  const std::string what = e.what();
  BOOST_TEST(what.find("RPCRequest") != std::string::npos);
  BOOST_TEST(what.find("data.LoadRequest.runner_name") != std::string::npos);
  BOOST_TEST(what.find("9223372036854775808") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(huge_counts_fail_before_allocating) {
  // Tensor map count, byte count and shape count of 2^63 and 2^64-1.
  for (std::uint64_t huge : {std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max()}) {
    auto v = load_payload("0.0.1", "req_infer_tensors");
    put<std::uint64_t>(v, 12, huge);  // map count
    BOOST_TEST((decode_error<wire::RPCRequest>(v).kind() == DecodeErrorKind::kLengthTooLarge));
    v = load_payload("0.0.1", "req_infer_tensors");
    put<std::uint64_t>(v, 38, huge);  // numeric storage byte count
    const auto e = decode_error<wire::RPCRequest>(v);
    BOOST_TEST((e.kind() == DecodeErrorKind::kLengthTooLarge));
    BOOST_TEST(e.path() == "data.InferWithTensorsRequest.tensors[0].float32.data");
  }
}

template <class Union>
constexpr std::uint32_t variant_count() {
  return static_cast<std::uint32_t>(std::variant_size_v<Union>);
}

BOOST_AUTO_TEST_CASE(enum_and_union_tags_out_of_range) {
  struct Case {
    const char* vector;
    std::size_t offset;
    std::uint32_t tag;
    const char* path;
  };
  // Offsets of each tag in the 0.0.1 vectors (id: 8 bytes; complete: 1 byte). The first
  // tag past a union's variants: a variant a later revision adds is another error.
  const Case rpc_requests[] = {
      {"req_load_min", 8, variant_count<wire::RPCRequestData>(), "data"},
      {"req_load_min", 60, variant_count<wire::Device>(), "data.LoadRequest.visible_device"},
      {"req_infer_tensors", 29, 12, "data.InferWithTensorsRequest.tensors[0]"},     // Tensor
      {"req_infer_tensors", 33, 2, "data.InferWithTensorsRequest.tensors[0].float32.data"},  // storage
      {"req_load_opt_integer", 83, variant_count<wire::RunnerOpt>(), "data.LoadRequest.runner_opts[0]"},
  };
  for (const auto& c : rpc_requests) {
    BOOST_TEST_CONTEXT(c.vector << " tag at " << c.offset) {
      auto v = load_payload("0.0.1", c.vector);
      put<std::uint32_t>(v, c.offset, c.tag);
      const auto e = decode_error<wire::RPCRequest>(v);
      BOOST_TEST((e.kind() == DecodeErrorKind::kBadTag || e.kind() == DecodeErrorKind::kStorageMismatch));
      BOOST_TEST(e.path() == c.path);
      BOOST_TEST(e.offset() == c.offset);
      BOOST_TEST(e.value() == c.tag);
    }
  }
  auto resp = load_payload("0.0.1", "resp_error");
  put<std::uint32_t>(resp, 9, variant_count<wire::RPCResponseData>());
  BOOST_TEST((decode_error<wire::RPCResponse>(resp).kind() == DecodeErrorKind::kBadTag));
  auto log = load_payload("0.0.1", "resp_log_info");
  put<std::uint32_t>(log, 13, 5);  // Level
  const auto le = decode_error<wire::RPCResponse>(log);
  BOOST_TEST((le.kind() == DecodeErrorKind::kBadTag));
  BOOST_TEST(le.path() == "data.LogMessageResponse.record.metadata.level");
  BOOST_TEST(le.limit() == 4u);

  auto fsreq = load_payload("0.0.1", "fs_req_read");
  put<std::uint32_t>(fsreq, 16, variant_count<wire::fs::Request>());
  BOOST_TEST((decode_error<wire::fs::FsRequestFrame>(fsreq).kind() == DecodeErrorKind::kBadTag));
  auto fsres = load_payload("0.0.1", "fs_res_read");
  put<std::uint32_t>(fsres, 16, variant_count<wire::fs::Response>());
  BOOST_TEST((decode_error<wire::fs::FsResponseFrame>(fsres).kind() == DecodeErrorKind::kBadTag));
  auto ioerr = load_payload("0.0.1", "fs_res_ioerror_notfound");
  put<std::uint32_t>(ioerr, 20, 20);  // IoErrorKind
  BOOST_TEST((decode_error<wire::fs::FsResponseFrame>(ioerr).kind() == DecodeErrorKind::kBadTag));
  auto seek = load_payload("0.0.1", "fs_req_seek_current");
  put<std::uint32_t>(seek, 28, 3);  // SeekFrom
  BOOST_TEST((decode_error<wire::fs::FsRequestFrame>(seek).kind() == DecodeErrorKind::kBadTag));
  auto meta = load_payload("0.0.1", "fs_res_file_metadata");
  put<std::uint32_t>(meta, 20, 2);  // accessed: Result tag
  BOOST_TEST((decode_error<wire::fs::FsResponseFrame>(meta).kind() == DecodeErrorKind::kBadTag));
}

BOOST_AUTO_TEST_CASE(empty_response_does_not_exist_before_0_0_1) {
  const std::vector<std::uint8_t> empty_2023 = {15, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0};
  const auto e = decode_error<wire::RPCResponse>(empty_2023, CoreRevision::Carton2023_09);
  BOOST_TEST((e.kind() == DecodeErrorKind::kNotInRevision));
  wire::RPCResponse r{{15}, true, wire::EmptyResponse{}};
  BOOST_CHECK_THROW(wire::encode_message(r, CoreRevision::Carton2023_09), wire::EncodeError);
  r = wire::RPCResponse{{15}, false, wire::InferResponse{}};
  BOOST_CHECK_THROW(wire::encode_message(r, CoreRevision::Carton2023_09), wire::EncodeError);
}

BOOST_AUTO_TEST_CASE(bool_and_option_bytes_must_be_0_or_1) {
  auto v = load_payload("0.0.1", "req_infer_tensors");
  v.back() = 2;  // streaming
  const auto e = decode_error<wire::RPCRequest>(v);
  BOOST_TEST((e.kind() == DecodeErrorKind::kBadBool));
  BOOST_TEST(e.path() == "data.InferWithTensorsRequest.streaming");
  BOOST_TEST(e.value() == 2u);

  auto r = load_payload("0.0.1", "resp_error");
  r[8] = 2;  // complete
  BOOST_TEST((decode_error<wire::RPCResponse>(r).kind() == DecodeErrorKind::kBadBool));

  auto opt = load_payload("0.0.1", "req_load_min");
  opt[59] = 2;  // runner_opts Option tag
  BOOST_TEST((decode_error<wire::RPCRequest>(opt).kind() == DecodeErrorKind::kBadOption));

  auto some = load_payload("0.0.1", "req_infer_tensors");
  some[38 - 1] = 0;  // storage's always-Some byte
  const auto s = decode_error<wire::RPCRequest>(some);
  BOOST_TEST((s.kind() == DecodeErrorKind::kBadOption));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused) {
  // runner_name "noop" starts at offset 28 of req_load_min.
  const std::vector<std::vector<std::uint8_t>> bad = {
      {0xff, 'o', 'o', 'p'}, {0xc0, 0xaf, 'o', 'p'}, {0xed, 0xa0, 0x80, 'p'}, {'n', 'o', 'o', 0xe2},
      {0xf4, 0x90, 0x80, 0x80}, {0x80, 'o', 'o', 'p'}};
  for (const auto& b : bad) {
    auto v = load_payload("0.0.1", "req_load_min");
    std::copy(b.begin(), b.end(), v.begin() + 28);
    const auto e = decode_error<wire::RPCRequest>(v);
    BOOST_TEST((e.kind() == DecodeErrorKind::kBadUtf8));
    BOOST_TEST(e.path() == "data.LoadRequest.runner_name");
  }
  auto ok = load_payload("0.0.1", "req_load_min");
  const std::uint8_t euro[] = {0xe2, 0x82, 0xac, 'p'};  // "€p" is fine
  std::copy(std::begin(euro), std::end(euro), ok.begin() + 28);
  BOOST_CHECK_NO_THROW(wire::decode_message<wire::RPCRequest>(bytes_of(ok), CoreRevision::Carton0_0_1));
}

BOOST_AUTO_TEST_CASE(nesting_is_capped_without_recursing_into_the_stack) {
  BOOST_CHECK_NO_THROW(wire::decode_message<wire::RPCRequest>(bytes_of(nested_tensor_bytes(wire::kDefaultMaxDepth)),
                                                              CoreRevision::Carton0_0_1));
  const auto e = decode_error<wire::RPCRequest>(nested_tensor_bytes(wire::kDefaultMaxDepth + 1));
  BOOST_TEST((e.kind() == DecodeErrorKind::kDepthExceeded));
  BOOST_TEST(e.limit() == wire::kDefaultMaxDepth);
  const auto deep = decode_error<wire::RPCRequest>(nested_tensor_bytes(100000));
  BOOST_TEST((deep.kind() == DecodeErrorKind::kDepthExceeded));
  // Encoding refuses what decoding would refuse.
  wire::Tensor t = wire::Tensor::from_values<float>({}, {1.0f});
  for (std::size_t i = 0; i < wire::kDefaultMaxDepth + 1; ++i) t = wire::Tensor::nested({t});
  wire::RPCRequest req{{1}, wire::InferWithTensorsRequest{{{"t", t}}, false}};
  BOOST_CHECK_THROW(wire::encode_message(req, CoreRevision::Carton0_0_1), wire::EncodeError);
}

BOOST_AUTO_TEST_CASE(frame_limit_and_trailing_bytes) {
  auto v = load_payload("0.0.1", "req_load_min");
  wire::Limits small;
  small.max_frame_bytes = 64;
  const auto e = decode_error<wire::RPCRequest>(v, CoreRevision::Carton0_0_1, small);
  BOOST_TEST((e.kind() == DecodeErrorKind::kFrameTooLarge));
  BOOST_TEST(e.value() == v.size());
  BOOST_TEST(e.limit() == 64u);
  v.push_back(0);
  BOOST_TEST((decode_error<wire::RPCRequest>(v).kind() == DecodeErrorKind::kTrailingBytes));
}

BOOST_AUTO_TEST_CASE(tensor_storage_must_fit_its_dtype) {
  auto v = load_payload("2023-09", "req_infer_tensor_int16");
  // int16 x3 = 6 bytes; claim 5 bytes and drop one byte so the frame stays consistent.
  const std::size_t count_at = 38;
  put<std::uint64_t>(v, count_at, 5);
  v.erase(v.begin() + count_at + 8);
  const auto e = decode_error<wire::RPCRequest>(v, CoreRevision::Carton2023_09);
  BOOST_TEST((e.kind() == DecodeErrorKind::kStorageMismatch));
  BOOST_TEST(e.limit() == 2u);

  auto s = load_payload("0.0.1", "req_infer_tensors");
  put<std::uint32_t>(s, 33, 1);  // float32 with string storage
  BOOST_TEST((decode_error<wire::RPCRequest>(s).kind() == DecodeErrorKind::kStorageMismatch));
}

BOOST_AUTO_TEST_CASE(duplicate_map_keys_are_refused) {
  wire::RPCRequest req{{3}, wire::SealRequest{}};
  auto& tensors = std::get<wire::SealRequest>(req.data).tensors;
  tensors.append("x", wire::Tensor::from_values<float>({1}, {1.0f}));
  tensors.append("x", wire::Tensor::from_values<float>({1}, {2.0f}));
  const auto bytes = wire::encode_message(req, CoreRevision::Carton0_0_1).flatten();
  const auto e = decode_error<wire::RPCRequest>(bytes);
  BOOST_TEST((e.kind() == DecodeErrorKind::kDuplicateKey));
}
