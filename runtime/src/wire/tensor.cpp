#include "carton/wire/tensor.hpp"

#include <limits>
#include <ostream>

namespace carton::wire {

std::size_t element_size(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return 4;
    case DType::kFloat64: return 8;
    case DType::kInt8: return 1;
    case DType::kInt16: return 2;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kUInt8: return 1;
    case DType::kUInt16: return 2;
    case DType::kUInt32: return 4;
    case DType::kUInt64: return 8;
    case DType::kString:
    case DType::kNested: return 0;
  }
  return 0;
}

const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kString: return "string";
    case DType::kInt8: return "int8";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kUInt8: return "uint8";
    case DType::kUInt16: return "uint16";
    case DType::kUInt32: return "uint32";
    case DType::kUInt64: return "uint64";
    case DType::kNested: return "nested";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, DType dtype) { return os << to_string(dtype); }

Tensor Tensor::from_bytes(DType dtype, Shape shape, Bytes storage, std::optional<Shape> strides) {
  if (!is_numeric(dtype)) {
    throw std::invalid_argument(std::string("Tensor::from_bytes: ") + to_string(dtype) + " is not a numeric dtype");
  }
  if (storage.size() % element_size(dtype) != 0) {
    throw std::invalid_argument("Tensor::from_bytes: " + std::to_string(storage.size()) +
                                " bytes is not a whole number of " + to_string(dtype) + " elements");
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.strides_ = std::move(strides);
  t.bytes_ = std::move(storage);
  return t;
}

namespace {

// The bytes a C-order tensor of `shape` stores: numel elements, or one for numel 0.
std::size_t stored_bytes(const char* what, DType dtype, const Shape& shape, std::size_t given) {
  if (!is_numeric(dtype)) {
    throw std::invalid_argument(std::string("Tensor::") + what + ": " + to_string(dtype) + " is not a numeric dtype");
  }
  std::uint64_t numel = 1;
  bool overflow = false;
  for (auto d : shape) overflow |= __builtin_mul_overflow(numel, d, &numel);
  std::uint64_t bytes = 0;
  overflow |= __builtin_mul_overflow(numel, element_size(dtype), &bytes);
  if (overflow || bytes != given) {
    std::string dims;
    for (auto d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    throw std::invalid_argument(std::string("Tensor::") + what + ": shape [" + dims + "] of " + to_string(dtype) +
                                " needs " + (overflow ? "more than 2^64-1" : std::to_string(bytes)) + " bytes, got " +
                                std::to_string(given));
  }
  return numel == 0 ? element_size(dtype) : given;
}

// The padding element of a tensor with a 0 dimension, shared by all of them.
Bytes padding_element(std::size_t element) {
  static const std::uint64_t kZero = 0;
  return Bytes(std::shared_ptr<const void>(), reinterpret_cast<const std::uint8_t*>(&kZero), element);
}

}  // namespace

Tensor Tensor::copy_of(DType dtype, Shape shape, const void* data, std::size_t bytes) {
  const std::size_t stored = stored_bytes("copy_of", dtype, shape, bytes);
  if (stored != bytes) return from_bytes(dtype, std::move(shape), padding_element(stored));
  return from_bytes(dtype, std::move(shape), Bytes::copy_of(data, bytes));
}

Tensor Tensor::adopt(DType dtype, Shape shape, const void* data, std::size_t bytes, std::shared_ptr<const void> owner) {
  const std::size_t stored = stored_bytes("adopt", dtype, shape, bytes);
  if (stored != bytes) return from_bytes(dtype, std::move(shape), padding_element(stored));
  return from_bytes(dtype, std::move(shape), Bytes(std::move(owner), static_cast<const std::uint8_t*>(data), bytes));
}

Tensor Tensor::from_strings(Shape shape, std::vector<std::string> values, std::optional<Shape> strides) {
  Tensor t;
  t.dtype_ = DType::kString;
  t.shape_ = std::move(shape);
  t.strides_ = std::move(strides);
  t.strings_ = std::move(values);
  return t;
}

Tensor Tensor::nested(std::vector<Tensor> children) {
  Tensor t;
  t.dtype_ = DType::kNested;
  t.children_ = std::move(children);
  return t;
}

std::uint64_t Tensor::numel() const {
  std::uint64_t n = 1;
  for (auto d : shape_) {
    if (d == 0) return 0;
    if (n > std::numeric_limits<std::uint64_t>::max() / d) return std::numeric_limits<std::uint64_t>::max();
    n *= d;
  }
  return n;
}

std::size_t Tensor::storage_elements() const {
  switch (dtype_) {
    case DType::kString: return strings_.size();
    case DType::kNested: return children_.size();
    default: return bytes_.size() / element_size(dtype_);
  }
}

void Tensor::throw_dtype_mismatch(DType wanted) const {
  throw std::invalid_argument(std::string("carton::wire::Tensor holds ") + to_string(dtype_) + ", not " +
                              to_string(wanted));
}

bool operator==(const Tensor& a, const Tensor& b) {
  return a.dtype_ == b.dtype_ && a.shape_ == b.shape_ && a.strides_ == b.strides_ && a.bytes_ == b.bytes_ &&
         a.strings_ == b.strings_ && a.children_ == b.children_;
}

}  // namespace carton::wire
