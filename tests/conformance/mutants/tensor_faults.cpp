#include "tensor_faults.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace carton::mutants {

namespace {

using wire::DType;
using wire::Tensor;

constexpr std::size_t kLongString = 256;
constexpr std::size_t kLargeStorage = 1 << 20;

DType sign_flipped(DType d) {
  switch (d) {
    case DType::kInt8: return DType::kUInt8;
    case DType::kInt16: return DType::kUInt16;
    case DType::kInt32: return DType::kUInt32;
    case DType::kInt64: return DType::kUInt64;
    case DType::kUInt8: return DType::kInt8;
    case DType::kUInt16: return DType::kInt16;
    case DType::kUInt32: return DType::kInt32;
    case DType::kUInt64: return DType::kInt64;
    default: return d;
  }
}

// Where the last UTF-8 character of `s` starts.
std::size_t last_char_start(const std::string& s) {
  std::size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

std::string latin1_to_utf8(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string edit_string(Fault fault, std::string s) {
  switch (fault) {
    case Fault::kStringTruncated:
      if (!s.empty()) s.resize(last_char_start(s));
      return s;
    case Fault::kLongStringCut:
      if (s.size() > kLongString) {
        std::size_t cut = kLongString;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s.resize(cut);
      }
      return s;
    case Fault::kStringsReencoded: return latin1_to_utf8(s);
    default: return s;
  }
}

template <class F, class Bits>
void canonicalise(std::vector<std::uint8_t>& bytes, Fault fault, Bits quiet_nan) {
  for (std::size_t off = 0; off + sizeof(F) <= bytes.size(); off += sizeof(F)) {
    F v;
    std::memcpy(&v, bytes.data() + off, sizeof(F));
    if (fault == Fault::kNanCanonical && std::isnan(v)) std::memcpy(bytes.data() + off, &quiet_nan, sizeof(F));
    if (fault == Fault::kNegZeroCanonical && v == 0 && std::signbit(v)) {
      const F zero = 0;
      std::memcpy(bytes.data() + off, &zero, sizeof(F));
    }
  }
}

Tensor numeric_with(const Tensor& t, DType dtype, wire::Shape shape, std::optional<wire::Shape> strides,
                    std::vector<std::uint8_t> bytes) {
  return Tensor::from_bytes(dtype, std::move(shape), wire::Bytes::adopt(std::move(bytes)), std::move(strides));
}

// One tensor with an element-level fault applied (recursing into nested tensors).
Tensor edit(Fault fault, const Tensor& t) {
  if (t.dtype() == DType::kNested) {
    std::vector<Tensor> children;
    for (const auto& c : t.children()) children.push_back(edit(fault, c));
    return Tensor::nested(std::move(children));
  }
  wire::Shape shape = t.shape();
  std::optional<wire::Shape> strides = t.strides();
  switch (fault) {
    case Fault::kShapeFlattened:
      if (shape.size() >= 2) shape = {t.numel()};
      break;
    case Fault::kShapeReversed: std::reverse(shape.begin(), shape.end()); break;
    case Fault::kStridesDropped: strides.reset(); break;
    case Fault::kScalarAsVector:
      if (shape.empty()) shape = {1};
      break;
    default: break;
  }
  if (t.dtype() == DType::kString) {
    std::vector<std::string> strings;
    for (const auto& s : t.strings()) strings.push_back(edit_string(fault, s));
    return Tensor::from_strings(std::move(shape), std::move(strings), std::move(strides));
  }
  std::vector<std::uint8_t> bytes(t.bytes().data(), t.bytes().data() + t.bytes().size());
  DType dtype = t.dtype();
  if (fault == Fault::kDtypeSignFlipped) dtype = sign_flipped(dtype);
  if (fault == Fault::kLargeTensorTail && bytes.size() > kLargeStorage) {
    std::fill(bytes.begin() + kLargeStorage, bytes.end(), 0);
  }
  if (dtype == DType::kFloat32) canonicalise<float>(bytes, fault, std::uint32_t{0x7fc00000u});
  if (dtype == DType::kFloat64) {
    canonicalise<double>(bytes, fault, std::uint64_t{0x7ff8000000000000ull});
    if (fault == Fault::kFloat64Narrowed) {
      std::vector<std::uint8_t> narrow(bytes.size() / 2);
      for (std::size_t i = 0; i < bytes.size() / 8; ++i) {
        double d;
        std::memcpy(&d, bytes.data() + 8 * i, 8);
        const float f = static_cast<float>(d);
        std::memcpy(narrow.data() + 4 * i, &f, 4);
      }
      return numeric_with(t, DType::kFloat32, std::move(shape), std::move(strides), std::move(narrow));
    }
  }
  return numeric_with(t, dtype, std::move(shape), std::move(strides), std::move(bytes));
}

bool is_element_fault(Fault f) {
  switch (f) {
    case Fault::kDtypeSignFlipped:
    case Fault::kShapeFlattened:
    case Fault::kShapeReversed:
    case Fault::kStridesDropped:
    case Fault::kStringTruncated:
    case Fault::kLongStringCut:
    case Fault::kStringsReencoded:
    case Fault::kNanCanonical:
    case Fault::kNegZeroCanonical:
    case Fault::kFloat64Narrowed:
    case Fault::kLargeTensorTail:
    case Fault::kScalarAsVector: return true;
    default: return false;
  }
}

}  // namespace

void apply_tensor_fault(Fault fault, Tensors& tensors) {
  if (is_element_fault(fault)) {
    for (auto& entry : tensors) entry.second = edit(fault, entry.second);
    return;
  }
  std::vector<std::pair<std::string, Tensor>> entries(tensors.begin(), tensors.end());
  switch (fault) {
    case Fault::kDropLastTensor:
      if (entries.size() >= 2) entries.pop_back();
      break;
    case Fault::kAddTensor: entries.emplace_back("mutant_extra", Tensor::from_values<float>({1}, {0.0f})); break;
    case Fault::kRenameTensor:
      if (!entries.empty()) entries.front().first += "_";
      break;
    case Fault::kSwapFirstLast:
      if (entries.size() >= 2) std::swap(entries.front().second, entries.back().second);
      break;
    case Fault::kRotateValues:
      if (entries.size() >= 2) {
        Tensor first = entries.front().second;
        for (std::size_t i = 0; i + 1 < entries.size(); ++i) entries[i].second = entries[i + 1].second;
        entries.back().second = std::move(first);
      }
      break;
    case Fault::kNamesSortedValuesNot: {
      std::vector<std::string> names;
      for (const auto& e : entries) names.push_back(e.first);
      std::sort(names.begin(), names.end());
      for (std::size_t i = 0; i < entries.size(); ++i) entries[i].first = names[i];
      break;
    }
    case Fault::kEmptyDropped:
      entries.erase(std::remove_if(entries.begin(), entries.end(),
                                   [](const auto& e) { return e.second.dtype() != DType::kNested && e.second.numel() == 0; }),
                    entries.end());
      break;
    default: return;
  }
  Tensors out;
  for (auto& e : entries) out.insert_or_assign(std::move(e.first), std::move(e.second));
  tensors = std::move(out);
}

}  // namespace carton::mutants
