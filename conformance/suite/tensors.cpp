#include "suite/tensors.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace carton::conformance::suite {

using wire::Tensor;

namespace {

float float_bits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
double double_bits(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

}  // namespace

const std::vector<NamedTensor>& dtype_tensors() {
  static const std::vector<NamedTensor> all = [] {
    std::vector<NamedTensor> t;
    t.push_back({"float32", Tensor::from_values<float>({5}, {1.5f, -0.0f, std::numeric_limits<float>::infinity(),
                                                             float_bits(0x7fc00001), float_bits(0xffbfffff)})});
    t.push_back({"float64", Tensor::from_values<double>({4}, {3.141592653589793, -0.0, -1e-310,
                                                               double_bits(0x7ff8000000000123ull)})});
    t.push_back({"int8", Tensor::from_values<std::int8_t>({3}, {-128, 0, 127})});
    t.push_back({"int16", Tensor::from_values<std::int16_t>({3}, {-32768, 1, 32767})});
    t.push_back({"int32", Tensor::from_values<std::int32_t>(
                              {2, 2}, {std::numeric_limits<std::int32_t>::min(), -1, 1, 2147483647})});
    t.push_back({"int64", Tensor::from_values<std::int64_t>({2}, {std::numeric_limits<std::int64_t>::min(),
                                                                   std::numeric_limits<std::int64_t>::max()})});
    t.push_back({"uint8", Tensor::from_values<std::uint8_t>({4}, {0, 1, 254, 255})});
    t.push_back({"uint16", Tensor::from_values<std::uint16_t>({2}, {0x0102, 0xffff})});
    t.push_back({"uint32", Tensor::from_values<std::uint32_t>({2}, {0x01020304, 0xffffffff})});
    t.push_back({"uint64", Tensor::from_values<std::uint64_t>({1, 2}, {0x0102030405060708ull, ~0ull})});
    t.push_back({"string", Tensor::from_strings({3}, {"h\xc3\xa9llo", "", "\xe2\x82\xac"})});
    t.push_back({"nested", Tensor::nested({Tensor::from_values<float>({2}, {1, 2}),
                                           Tensor::nested({Tensor::from_values<std::int32_t>({1}, {-7})})})});
    t.push_back({"scalar", Tensor::from_values<float>({}, {42.0f})});
    t.push_back({"empty", Tensor::from_values<float>({0}, {0.0f}), true});
    t.push_back({"strided", Tensor::from_values<float>({2, 3}, {0, 1, 2, 3, 4, 5}, wire::Shape{1, 2})});
    return t;
  }();
  return all;
}

bool same_tensor(const NamedTensor& sent, const Tensor& got) {
  if (!sent.padding_only) return sent.tensor == got;
  return got.dtype() == sent.tensor.dtype() && got.shape() == sent.tensor.shape() &&
         got.strides() == sent.tensor.strides();
}
}  // namespace carton::conformance::suite
