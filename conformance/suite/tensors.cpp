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

std::string shape_text(const wire::Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string strides_text(const std::optional<wire::Shape>& strides) { return strides ? shape_text(*strides) : "none"; }

// A string for a one-line report: printable ASCII kept, every other byte as \xNN, cut
// after kShownBytes bytes.
std::string quoted(const std::string& s) {
  constexpr std::size_t kShownBytes = 24;
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kShownBytes; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  out += s.size() > kShownBytes ? "...\"" : "\"";
  return out + " (" + std::to_string(s.size()) + " bytes)";
}

// The element's bytes as a little-endian hex number, which shows NaN payloads and -0.0.
std::string element_bits(const std::uint8_t* p, std::size_t size) {
  static const char* hex = "0123456789abcdef";
  std::string out = "0x";
  for (std::size_t i = size; i-- > 0;) {
    out += hex[p[i] >> 4];
    out += hex[p[i] & 15];
  }
  return out;
}

std::string tensor_difference(const Tensor& sent, const Tensor& got, bool padding_only) {
  if (sent.dtype() != got.dtype()) {
    return std::string("dtype ") + wire::to_string(sent.dtype()) + " became " + wire::to_string(got.dtype());
  }
  if (sent.shape() != got.shape()) return "shape " + shape_text(sent.shape()) + " became " + shape_text(got.shape());
  if (sent.strides() != got.strides()) {
    return "strides " + strides_text(sent.strides()) + " became " + strides_text(got.strides());
  }
  if (padding_only) return "";
  if (sent.dtype() == wire::DType::kString) {
    const auto &a = sent.strings(), &b = got.strings();
    if (a.size() != b.size()) {
      return std::to_string(a.size()) + " strings became " + std::to_string(b.size());
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return "string " + std::to_string(i) + " " + quoted(a[i]) + " became " + quoted(b[i]);
    }
    return "";
  }
  if (sent.dtype() == wire::DType::kNested) {
    const auto &a = sent.children(), &b = got.children();
    if (a.size() != b.size()) return std::to_string(a.size()) + " children became " + std::to_string(b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string d = tensor_difference(a[i], b[i], false);
      if (!d.empty()) return "child " + std::to_string(i) + ": " + d;
    }
    return "";
  }
  const auto &a = sent.bytes(), &b = got.bytes();
  if (a.size() != b.size()) {
    return "storage of " + std::to_string(a.size()) + " bytes became " + std::to_string(b.size()) + " bytes";
  }
  const std::size_t size = wire::element_size(sent.dtype());
  for (std::size_t off = 0; off < a.size(); off += size) {
    if (std::memcmp(a.data() + off, b.data() + off, size) != 0) {
      return "element " + std::to_string(off / size) + " " + element_bits(a.data() + off, size) + " became " +
             element_bits(b.data() + off, size);
    }
  }
  return "";
}

// Valid UTF-8 of about `bytes` bytes, cycling through characters of 1 to 4 bytes.
std::string utf8_text(std::size_t bytes, std::uint32_t seed) {
  static const char* pieces[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "Z"};
  std::string s;
  for (std::uint32_t i = seed; s.size() < bytes; ++i) s += pieces[i % 5];
  return s;
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

std::vector<NamedTensor> tensor_set(int seed) {
  using I32 = std::numeric_limits<std::int32_t>;
  using I64 = std::numeric_limits<std::int64_t>;
  const auto s = static_cast<std::uint32_t>(seed);
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<NamedTensor> t;
  // The quiet bit of the first NaN set, of the second clear (signalling), payloads by seed.
  t.push_back({"float32", Tensor::from_values<float>({5}, {static_cast<float>(s) + 0.5f, -0.0f, s % 2 ? inf : -inf,
                                                           float_bits(0x7fc00000u | ((s + 1) & 0x3fffffu)),
                                                           float_bits(0xff800000u | ((s + 2) & 0x3fffffu))})});
  t.push_back({"float64", Tensor::from_values<double>({4}, {3.141592653589793 * (s + 1), -0.0, -1e-310 * (s + 1),
                                                             double_bits(0x7ff8000000000000ull | (0x123 + s))})});
  t.push_back({"int8", Tensor::from_values<std::int8_t>(
                           {3}, {-128, static_cast<std::int8_t>(s), static_cast<std::int8_t>(127 - (s >> 8))})});
  t.push_back({"int16", Tensor::from_values<std::int16_t>({3}, {-32768, static_cast<std::int16_t>(s * 7), 32767})});
  t.push_back({"int32", Tensor::from_values<std::int32_t>({2, 2}, {I32::min(), -1 - static_cast<std::int32_t>(s),
                                                                   1 + static_cast<std::int32_t>(s), I32::max()})});
  t.push_back({"int64", Tensor::from_values<std::int64_t>({2}, {I64::min() + s, I64::max() - s})});
  t.push_back({"uint8", Tensor::from_values<std::uint8_t>({4}, {0, static_cast<std::uint8_t>(s), 254, 255})});
  t.push_back({"uint16", Tensor::from_values<std::uint16_t>({2}, {static_cast<std::uint16_t>(0x0102 + s), 0xffff})});
  t.push_back({"uint32", Tensor::from_values<std::uint32_t>({2}, {0x01020304u + s, 0xffffffffu})});
  t.push_back({"uint64", Tensor::from_values<std::uint64_t>({1, 2}, {0x0102030405060708ull + s, ~0ull - s})});
  t.push_back({"string", Tensor::from_strings({3}, {"h\xc3\xa9llo " + std::to_string(s), "",
                                                     utf8_text(3 + s % 40, s) + "\xe2\x82\xac"})});
  t.push_back({"nested", Tensor::nested({Tensor::from_values<float>({2}, {static_cast<float>(s), 2.5f}),
                                         Tensor::nested({Tensor::from_values<std::int32_t>(
                                             {1}, {-7 - static_cast<std::int32_t>(s)})})})});
  t.push_back({"scalar", Tensor::from_values<float>({}, {42.0f + static_cast<float>(s)})});
  t.push_back({"empty", Tensor::from_values<float>({0}, {0.0f}), true});
  std::vector<float> strided(6);
  for (std::size_t i = 0; i < strided.size(); ++i) strided[i] = static_cast<float>(s + i);
  t.push_back({"strided", Tensor::from_values<float>({2, 3}, strided, wire::Shape{1, 2})});
  std::vector<double> cube(24);
  for (std::size_t i = 0; i < cube.size(); ++i) cube[i] = 0.5 * static_cast<double>(i) + s;
  t.push_back({"tensor_3d", Tensor::from_values<double>({2, 3, 4}, cube)});
  std::vector<std::int32_t> four_d(120);
  for (std::size_t i = 0; i < four_d.size(); ++i) four_d[i] = static_cast<std::int32_t>(i * 3 + s) - 60;
  t.push_back({"tensor_4d", Tensor::from_values<std::int32_t>({2, 3, 4, 5}, four_d)});
  t.push_back({"a_1x1", Tensor::from_values<std::int64_t>({1, 1}, {1000003 * static_cast<std::int64_t>(s) + 1})});
  t.push_back({"m_2x0x3", Tensor::from_values<std::int64_t>({2, 0, 3}, {0}), true});
  t.push_back({"no_strings", Tensor::from_strings({0}, {""}), true});
  t.push_back({"", Tensor::from_values<std::uint8_t>({1}, {static_cast<std::uint8_t>(s * 5 + 1)})});
  t.push_back({"\xc3\xbcn\xc3\xaf" "code", Tensor::from_values<std::int16_t>(
                                            {2}, {static_cast<std::int16_t>(s + 3), static_cast<std::int16_t>(-3)})});
  return t;
}

std::vector<NamedTensor> large_tensors(int seed) {
  constexpr std::size_t kBigElements = 1 << 20;  // 4 MiB of float32, as ref-core's large infer
  constexpr std::size_t kStringsSide = 100;  // [100, 100], as ref-core's large string infer
  constexpr std::size_t kShortString = 64;
  constexpr std::size_t kLongString = 2048;  // every kLongEvery-th string
  constexpr std::size_t kLongEvery = 997;
  const auto s = static_cast<std::uint32_t>(seed);
  std::vector<float> big(kBigElements);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = 0.25f * static_cast<float>(i) + static_cast<float>(s);
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < kStringsSide * kStringsSide; ++i) {
    strings.push_back(utf8_text(i % kLongEvery == 0 ? kLongString + s : (i * 37 + s) % kShortString, s + i));
  }
  return {{"big", Tensor::from_values<float>({kBigElements}, big)},
          {"long_strings", Tensor::from_strings({kStringsSide, kStringsSide}, std::move(strings))}};
}

wire::Map<std::string, Tensor> as_map(const std::vector<NamedTensor>& tensors) {
  wire::Map<std::string, Tensor> m;
  for (const auto& t : tensors) m.insert_or_assign(t.name, t.tensor);
  return m;
}

std::string echo_difference(const std::vector<NamedTensor>& sent, const wire::Map<std::string, Tensor>& got) {
  std::vector<std::string> problems;
  for (const auto& t : sent) {
    const auto it = got.find(t.name);
    if (it == got.end()) {
      problems.push_back("\"" + t.name + "\" is missing");
    } else if (const std::string d = tensor_difference(t.tensor, it->second, t.padding_only); !d.empty()) {
      problems.push_back("\"" + t.name + "\" differs: " + d);
    }
  }
  for (const auto& [name, tensor] : got) {
    bool known = false;
    for (const auto& t : sent) known |= t.name == name;
    if (!known) problems.push_back("\"" + name + "\" was not sent (a " + wire::to_string(tensor.dtype()) + " tensor)");
  }
  if (problems.empty()) return "";
  std::string out = std::to_string(problems.size()) + " of " + std::to_string(sent.size()) + " tensors wrong: " +
                    problems[0];
  if (problems.size() > 1) out += "; " + problems[1];
  if (problems.size() > 2) out += "; ...";
  return out;
}

}  // namespace carton::conformance::suite
