// Tensors: views into the received frame (no copy on decode), gather segments on
// encode (no copy of large storage), bit-exact values for every dtype.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "carton/wire/messages.hpp"
#include "test_support.hpp"

using namespace carton;
using wire::CoreRevision;
using wire::DType;
using wire::Tensor;

namespace {

wire::RPCRequest infer(Tensor t) {
  wire::InferWithTensorsRequest r;
  r.tensors.insert_or_assign("t", std::move(t));
  return wire::RPCRequest{{7}, std::move(r)};
}

template <class T>
void check_dtype_round_trip(std::vector<T> values) {
  const Tensor t = Tensor::from_values<T>({values.size()}, values);
  const auto req = infer(t);
  const auto bytes = wire::encode_message(req, CoreRevision::Carton0_0_1).flatten();
  const auto back = wire::decode_message<wire::RPCRequest>(test::bytes_of(bytes), CoreRevision::Carton0_0_1);
  const auto& got = std::get<wire::InferWithTensorsRequest>(back.data).tensors.at("t");
  BOOST_TEST((got.dtype() == wire::DTypeOf<T>::value));
  BOOST_TEST((got == t));
  BOOST_TEST(std::memcmp(got.bytes().data(), values.data(), values.size() * sizeof(T)) == 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_numeric_dtype_round_trips_bit_exactly) {
  check_dtype_round_trip<float>({1.5f, -0.0f, std::numeric_limits<float>::infinity(),
                                 std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min()});
  check_dtype_round_trip<double>({3.141592653589793, -1e-310, std::numeric_limits<double>::signaling_NaN()});
  check_dtype_round_trip<std::int8_t>({-128, 0, 127});
  check_dtype_round_trip<std::int16_t>({-32768, 1, 32767});
  check_dtype_round_trip<std::int32_t>({std::numeric_limits<std::int32_t>::min(), -1, 1});
  check_dtype_round_trip<std::int64_t>({std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()});
  check_dtype_round_trip<std::uint8_t>({0, 1, 254, 255});
  check_dtype_round_trip<std::uint16_t>({0x0102, 0xffff});
  check_dtype_round_trip<std::uint32_t>({0x01020304, 0xffffffff});
  check_dtype_round_trip<std::uint64_t>({0x0102030405060708ull, std::numeric_limits<std::uint64_t>::max()});
}

BOOST_AUTO_TEST_CASE(decoded_numeric_storage_is_a_view_into_the_frame) {
  std::vector<float> values(1 << 20);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  const auto frame = test::bytes_of(
      wire::encode_message(infer(Tensor::from_values<float>({values.size()}, values)), CoreRevision::Carton0_0_1)
          .flatten());
  const auto req = wire::decode_message<wire::RPCRequest>(frame, CoreRevision::Carton0_0_1);
  const auto& t = std::get<wire::InferWithTensorsRequest>(req.data).tensors.at("t");
  BOOST_TEST(t.bytes().data() >= frame.data());
  BOOST_TEST(t.bytes().data() + t.bytes().size() <= frame.data() + frame.size());
  BOOST_TEST(t.bytes().owner() == frame.owner());  // keeps the frame alive
  BOOST_TEST(t.value<float>(12345) == 12345.0f);
}

BOOST_AUTO_TEST_CASE(large_storage_is_gathered_not_copied) {
  const std::vector<std::uint8_t> big(1 << 20, 0xab);
  const auto storage = wire::Bytes::copy_of(big.data(), big.size());
  const Tensor t = Tensor::from_bytes(DType::kUInt8, {big.size()}, storage);
  const auto enc = wire::encode_message(infer(t), CoreRevision::Carton0_0_1);
  BOOST_REQUIRE(enc.segments.size() == 1u);
  BOOST_TEST(enc.segments[0].bytes.data() == storage.data());
  BOOST_TEST(enc.head.size() < 128u);
  BOOST_TEST(enc.size() == enc.head.size() + big.size());
  const auto iov = enc.iovecs();
  std::size_t total = 0;
  for (const auto& v : iov) total += v.iov_len;
  BOOST_TEST(total == enc.size());
}

BOOST_AUTO_TEST_CASE(string_scalar_empty_and_strided_tensors_round_trip) {
  const std::vector<Tensor> tensors = {
      Tensor::from_strings({2}, {"héllo", ""}),
      Tensor::from_strings({}, {"scalar"}),
      Tensor::from_values<float>({}, {42.0f}),
      Tensor::from_values<float>({0}, {0.0f}),
      Tensor::from_values<float>({2, 3}, {0, 1, 2, 3, 4, 5}, wire::Shape{1, 2}),
      Tensor::nested({Tensor::from_values<std::int32_t>({1}, {-7}), Tensor::nested({})}),
  };
  for (const auto& t : tensors) {
    const auto bytes = wire::encode_message(infer(t), CoreRevision::Carton2023_09).flatten();
    const auto back = wire::decode_message<wire::RPCRequest>(test::bytes_of(bytes), CoreRevision::Carton2023_09);
    BOOST_TEST((std::get<wire::InferWithTensorsRequest>(back.data).tensors.at("t") == t));
  }
}

BOOST_AUTO_TEST_CASE(typed_access_checks_dtype_and_bounds) {
  const Tensor t = Tensor::from_values<std::int16_t>({2}, {1, 2});
  BOOST_CHECK_THROW(t.value<float>(0), std::invalid_argument);
  BOOST_CHECK_THROW(t.value<std::int16_t>(2), std::out_of_range);
  BOOST_CHECK_THROW(Tensor::from_bytes(DType::kInt32, {1}, wire::Bytes::copy_of("abc", 3)), std::invalid_argument);
  BOOST_TEST(t.numel() == 2u);
  BOOST_TEST(Tensor::from_values<float>({3, 0}, {0.0f}).numel() == 0u);
}

// Building outputs: the cost each factory promises, and carton's padding element for a
// tensor with a 0 dimension, which a runner should never have to think of.
BOOST_AUTO_TEST_CASE(output_factories_copy_once_or_not_at_all) {
  std::vector<float> values{1.5f, -0.0f, 3.0f, 4.0f};
  const float* before = values.data();
  const Tensor moved = Tensor::from_values<float>({2, 2}, std::move(values));
  BOOST_TEST(reinterpret_cast<const float*>(moved.bytes().data()) == before);  // taken over, not copied

  const float framework_buffer[4] = {1.5f, -0.0f, 3.0f, 4.0f};
  const Tensor copied = Tensor::copy_of(DType::kFloat32, {2, 2}, framework_buffer, sizeof framework_buffer);
  BOOST_TEST(copied.bytes().data() != reinterpret_cast<const std::uint8_t*>(framework_buffer));
  BOOST_TEST((copied == moved));  // bit-exact, -0.0 included

  bool released = false;
  {
    auto* heap = new double[3]{1, 2, 3};
    std::shared_ptr<const void> owner(heap, [&](const void* p) {
      delete[] static_cast<const double*>(p);
      released = true;
    });
    const Tensor adopted = Tensor::adopt(DType::kFloat64, {3}, heap, 3 * sizeof(double), std::move(owner));
    BOOST_TEST(adopted.bytes().data() == reinterpret_cast<const std::uint8_t*>(heap));
    BOOST_TEST(adopted.value<double>(2) == 3.0);
    const Tensor kept = adopted;  // a copy of the tensor shares the buffer
    BOOST_TEST(!released);
  }
  BOOST_TEST(released);  // the deleter runs when the last tensor over it is gone
}

BOOST_AUTO_TEST_CASE(bytes_copies_are_aligned_and_exact_at_every_size) {
  // Small copies live in their owner's block, larger ones in a vector: either way the
  // bytes are equal, owned, and aligned for every element type.
  for (const std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(4), std::size_t(255), std::size_t(256),
                              std::size_t(257), std::size_t(4096)}) {
    std::vector<std::uint8_t> source(n);
    for (std::size_t i = 0; i < n; ++i) source[i] = static_cast<std::uint8_t>(i * 37 + 1);
    const wire::Bytes b = wire::Bytes::copy_of(source.data(), n);
    BOOST_TEST(b.size() == n);
    BOOST_TEST(b.to_vector() == source);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(b.data()) % 16 == 0);
    BOOST_TEST((n == 0 || b.data() != source.data()));
    const wire::Bytes kept = b.slice(0, n);
    BOOST_TEST(kept.owner() == b.owner());  // a slice shares the copy
  }
}

BOOST_AUTO_TEST_CASE(output_factories_store_carton_padding_element_and_check_sizes) {
  const Tensor empty = Tensor::copy_of(DType::kInt64, {0, 3}, nullptr, 0);
  BOOST_TEST(empty.storage_elements() == 1u);
  BOOST_TEST(empty.numel() == 0u);
  const Tensor adopted_empty = Tensor::adopt(DType::kFloat32, {5, 0}, nullptr, 0, nullptr);
  BOOST_TEST(adopted_empty.bytes().size() == 4u);
  // It encodes as carton stores it: one element.
  const auto bytes = wire::encode_message(infer(empty), CoreRevision::Carton0_0_1).flatten();
  const auto back = wire::decode_message<wire::RPCRequest>(test::bytes_of(bytes), CoreRevision::Carton0_0_1);
  BOOST_TEST(std::get<wire::InferWithTensorsRequest>(back.data).tensors.at("t").bytes().size() == 8u);

  const float two[2] = {1, 2};
  try {
    Tensor::copy_of(DType::kFloat32, {3}, two, sizeof two);
    BOOST_FAIL("a size mismatch must throw");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()) == "Tensor::copy_of: shape [3] of float32 needs 12 bytes, got 8");
  }
  BOOST_CHECK_THROW(Tensor::adopt(DType::kString, {1}, two, 4, nullptr), std::invalid_argument);
  BOOST_CHECK_THROW(Tensor::copy_of(DType::kUInt8, {1ull << 32, 1ull << 32}, two, 8), std::invalid_argument);
}
