// Tensor: one value of carton's Tensor enum, numeric, string or nested.
//
// A decoded numeric tensor does not own a copy of its elements: its storage is a Bytes
// view into the received frame, so keeping the tensor keeps that frame alive. A tensor
// a handler builds owns its storage the same way (Bytes over its own buffer), so both
// kinds share this one type. Elements sit at arbitrary alignment inside a frame: read
// them with value<T>() / values<T>() (memcpy) or copy once, never through a cast pointer.
#pragma once

#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "carton/wire/bytes.hpp"

namespace carton::wire {

enum class DType : std::uint8_t {
  kFloat32,
  kFloat64,
  kString,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kNested,
};

// Bytes per element; 0 for string and nested tensors.
std::size_t element_size(DType dtype);
// "float32", "int64", "string", "nested", ...
const char* to_string(DType dtype);
std::ostream& operator<<(std::ostream& os, DType dtype);
inline bool is_numeric(DType d) { return d != DType::kString && d != DType::kNested; }

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFloat64; };
template <> struct DTypeOf<std::int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<std::int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<std::int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<std::int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<std::uint8_t> { static constexpr DType value = DType::kUInt8; };
template <> struct DTypeOf<std::uint16_t> { static constexpr DType value = DType::kUInt16; };
template <> struct DTypeOf<std::uint32_t> { static constexpr DType value = DType::kUInt32; };
template <> struct DTypeOf<std::uint64_t> { static constexpr DType value = DType::kUInt64; };

using Shape = std::vector<std::uint64_t>;

class Tensor {
 public:
  // An empty nested tensor; a placeholder to assign into.
  Tensor() = default;

  // A numeric tensor over `storage` (little-endian elements; size a multiple of the
  // element size). Throws std::invalid_argument otherwise.
  static Tensor from_bytes(DType dtype, Shape shape, Bytes storage,
                           std::optional<Shape> strides = std::nullopt);
  // Copies `values` once into storage the tensor owns.
  template <class T>
  static Tensor from_values(Shape shape, const std::vector<T>& values,
                            std::optional<Shape> strides = std::nullopt) {
    static_assert(std::is_arithmetic_v<T>, "numeric element type expected");
    return from_bytes(DTypeOf<T>::value, std::move(shape),
                      Bytes::copy_of(values.data(), values.size() * sizeof(T)), std::move(strides));
  }
  // Takes the vector over: no copy.
  template <class T>
  static Tensor from_values(Shape shape, std::vector<T>&& values, std::optional<Shape> strides = std::nullopt) {
    static_assert(std::is_arithmetic_v<T>, "numeric element type expected");
    auto owner = std::make_shared<const std::vector<T>>(std::move(values));
    const auto* p = reinterpret_cast<const std::uint8_t*>(owner->data());
    const std::size_t n = owner->size() * sizeof(T);
    return from_bytes(DTypeOf<T>::value, std::move(shape), Bytes(std::move(owner), p, n), std::move(strides));
  }

  // Outputs a framework produced, in C order (`bytes` = numel * element size). Both
  // store the one element carton expects of a tensor with a 0 dimension (FACTS.md:
  // storage holds max(numel, 1) elements), so `bytes` may be 0 for those. Throws
  // std::invalid_argument when `bytes` does not match the shape.
  //
  // copy_of: exactly one copy, into storage the tensor owns; the framework's buffer may
  // be reused as soon as it returns (XGBoost's prediction buffer, say).
  static Tensor copy_of(DType dtype, Shape shape, const void* data, std::size_t bytes);
  // adopt: no copy. The tensor points at `data`, and `owner` keeps it alive until the
  // last copy of the tensor is dropped, which for a reply is after its bytes are written
  // to the socket. Make the owner hold the framework's buffer (a shared_ptr to a cv::Mat
  // or at::Tensor, or shared_ptr<void>(p, deleter) for a malloc'd array).
  static Tensor adopt(DType dtype, Shape shape, const void* data, std::size_t bytes,
                      std::shared_ptr<const void> owner);
  static Tensor from_strings(Shape shape, std::vector<std::string> values,
                             std::optional<Shape> strides = std::nullopt);
  static Tensor nested(std::vector<Tensor> children);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const std::optional<Shape>& strides() const { return strides_; }
  // Product of the shape (1 for a scalar, 0 when a dimension is 0); saturates at 2^64-1.
  std::uint64_t numel() const;

  // Numeric storage (empty for string and nested tensors).
  const Bytes& bytes() const { return bytes_; }
  // Elements in storage, which is max(numel, 1) for tensors carton sends.
  std::size_t storage_elements() const;
  const std::vector<std::string>& strings() const { return strings_; }
  const std::vector<Tensor>& children() const { return children_; }

  // The i-th stored element; T must match dtype(). Safe at any alignment.
  template <class T>
  T value(std::size_t i) const {
    check_element<T>(i);
    T out;
    std::memcpy(&out, bytes_.data() + i * sizeof(T), sizeof(T));
    return out;
  }
  template <class T>
  std::vector<T> values() const {
    check_element<T>(0, /*allow_empty=*/true);
    std::vector<T> out(bytes_.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), bytes_.data(), out.size() * sizeof(T));
    return out;
  }

  // Same dtype, shape, strides and bit-identical elements (NaN payloads and -0.0 count).
  friend bool operator==(const Tensor& a, const Tensor& b);
  friend bool operator!=(const Tensor& a, const Tensor& b) { return !(a == b); }

 private:
  template <class T>
  void check_element(std::size_t i, bool allow_empty = false) const {
    if (DTypeOf<T>::value != dtype_) throw_dtype_mismatch(DTypeOf<T>::value);
    if (!allow_empty && (i + 1) * sizeof(T) > bytes_.size()) throw std::out_of_range("carton::wire::Tensor: element index out of range");
  }
  [[noreturn]] void throw_dtype_mismatch(DType wanted) const;

  DType dtype_ = DType::kNested;
  Shape shape_;
  std::optional<Shape> strides_;
  Bytes bytes_;
  std::vector<std::string> strings_;
  std::vector<Tensor> children_;
};

}  // namespace carton::wire
