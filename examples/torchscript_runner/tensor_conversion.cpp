#include "tensor_conversion.hpp"

#include <ATen/ATen.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "carton/runtime/frame_reader.hpp"
#include "carton/runtime/large_buffer_pool.hpp"

namespace carton::examples::torchscript {

namespace {

constexpr char kSupportedIn[] = "float32, float64, int8, int16, int32, int64, uint8 or string";
constexpr char kSupportedOut[] = "float32, float64, int8, int16, int32, int64 or uint8";

std::optional<at::ScalarType> torch_dtype(wire::DType d) {
  switch (d) {
    case wire::DType::kFloat32: return at::kFloat;
    case wire::DType::kFloat64: return at::kDouble;
    case wire::DType::kInt8: return at::kChar;
    case wire::DType::kInt16: return at::kShort;
    case wire::DType::kInt32: return at::kInt;
    case wire::DType::kInt64: return at::kLong;
    case wire::DType::kUInt8: return at::kByte;
    default: return std::nullopt;
  }
}

std::optional<wire::DType> carton_dtype(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return wire::DType::kFloat32;
    case at::kDouble: return wire::DType::kFloat64;
    case at::kChar: return wire::DType::kInt8;
    case at::kShort: return wire::DType::kInt16;
    case at::kInt: return wire::DType::kInt32;
    case at::kLong: return wire::DType::kInt64;
    case at::kByte: return wire::DType::kUInt8;
    default: return std::nullopt;
  }
}

[[noreturn]] void fail_input(const std::string& key, const std::string& why) {
  throw ConversionError("input '" + key + "': " + why);
}
[[noreturn]] void fail_output(const std::string& key, const std::string& why) {
  throw ConversionError("output '" + key + "': " + why);
}

std::string dims_text(const wire::Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Sizes and element strides as torch takes them, checked against the stored elements:
// carton does not check that a received tensor's shape and strides stay inside its
// storage, and torch would read past it.
struct Layout {
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> strides;  // empty: contiguous
  bool empty = false;                 // a dimension is 0: no element is read
};

Layout checked_layout(const std::string& key, const wire::Tensor& t, std::size_t stored) {
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const wire::Shape& shape = t.shape();
  if (t.strides() && t.strides()->size() != shape.size()) {
    fail_input(key, "shape " + dims_text(shape) + " has " + std::to_string(shape.size()) + " dimensions but strides " +
                        dims_text(*t.strides()) + " has " + std::to_string(t.strides()->size()));
  }
  Layout l;
  for (auto d : shape) {
    if (d > kMax) fail_input(key, "dimension " + std::to_string(d) + " is larger than torch's limit (2^63-1)");
    l.sizes.push_back(static_cast<std::int64_t>(d));
    l.empty |= d == 0;
  }
  if (t.strides()) {
    for (auto s : *t.strides()) {
      if (s > kMax) fail_input(key, "stride " + std::to_string(s) + " is larger than torch's limit (2^63-1)");
      l.strides.push_back(static_cast<std::int64_t>(s));
    }
  }
  if (l.empty) return l;
  // The last element read: sum of (size - 1) * stride, contiguous strides by default.
  std::uint64_t last = 0, step = 1;
  bool overflow = false;
  for (std::size_t i = shape.size(); i-- > 0;) {
    const std::uint64_t stride = t.strides() ? (*t.strides())[i] : step;
    std::uint64_t span;
    overflow |= __builtin_mul_overflow(shape[i] - 1, stride, &span);
    overflow |= __builtin_add_overflow(last, span, &last);
    if (!t.strides()) overflow |= __builtin_mul_overflow(step, shape[i], &step);
  }
  if (overflow || last >= stored) {
    fail_input(key, "shape " + dims_text(shape) + (t.strides() ? " with strides " + dims_text(*t.strides()) : "") +
                        " reads past its " + std::to_string(stored) + " stored elements");
  }
  return l;
}

// Large staging copies reuse memory: a fresh 64 MiB buffer costs 16,384 first-touch
// page faults, ~300 ms on the reference VM, ten times the copy itself. The pool lives
// as long as the last tensor over one of its buffers.
constexpr std::size_t kPooledCopyBytes = runtime::FrameReader::kHugePayloadBytes;

at::Tensor aligned_copy(const wire::Bytes& bytes, std::int64_t elements, const at::TensorOptions& options) {
  if (bytes.size() < kPooledCopyBytes) {
    at::Tensor storage = at::empty({elements}, options);
    std::memcpy(storage.data_ptr(), bytes.data(), bytes.size());
    return storage;
  }
  static const auto pool = runtime::LargeBufferPool::create();
  std::shared_ptr<std::uint8_t> buffer = pool->acquire(bytes.size());
  if (!buffer) throw std::bad_alloc();
  std::memcpy(buffer.get(), bytes.data(), bytes.size());
  std::uint8_t* data = buffer.get();
  return at::from_blob(data, {elements}, [buffer = std::move(buffer)](void*) {}, options);
}

at::Tensor numeric_to_torch(const std::string& key, const wire::Tensor& t, at::ScalarType dtype, c10::Device device) {
  const std::size_t esize = wire::element_size(t.dtype());
  const Layout l = checked_layout(key, t, t.storage_elements());
  const auto cpu = at::TensorOptions().dtype(dtype).device(at::kCPU);
  at::Tensor out;
  if (l.empty) {
    out = at::empty(l.sizes, cpu);
  } else if (reinterpret_cast<std::uintptr_t>(t.bytes().data()) % esize != 0) {
    // Misaligned in the frame: copy the stored elements once into aligned memory, then
    // view them with the tensor's layout.
    at::Tensor storage = aligned_copy(t.bytes(), static_cast<std::int64_t>(t.storage_elements()), cpu);
    out = l.strides.empty() ? storage.narrow(0, 0, c10::multiply_integers(l.sizes)).view(l.sizes)
                            : storage.as_strided(l.sizes, l.strides);
  } else {
    // See the header on why handing torch the frame's memory as writable is safe.
    void* data = const_cast<std::uint8_t*>(t.bytes().data());
    auto keep_frame = [owner = t.bytes().owner()](void*) {};
    out = l.strides.empty() ? at::from_blob(data, l.sizes, keep_frame, cpu)
                            : at::from_blob(data, l.sizes, l.strides, keep_frame, cpu);
  }
  return device.is_cpu() ? out : out.to(device);
}

c10::IValue strings_to_torch(const std::string& key, const wire::Tensor& t) {
  const auto& shape = t.shape();
  const auto& strings = t.strings();
  if (shape.empty()) {
    if (strings.empty()) fail_input(key, "a 0-d string tensor with no stored string");
    return c10::IValue(strings[0]);
  }
  if (shape.size() > 1) {
    fail_input(key, "a string tensor of " + std::to_string(shape.size()) +
                        " dimensions; carton's TorchScript runner takes strings of 0 dimensions (str) or 1 (List[str])");
  }
  const Layout l = checked_layout(key, t, strings.size());
  const std::uint64_t stride = t.strides() ? (*t.strides())[0] : 1;
  c10::List<std::string> list;
  list.reserve(shape[0]);
  for (std::uint64_t i = 0; i < shape[0]; ++i) list.push_back(strings[i * stride]);
  return c10::IValue(std::move(list));
}

c10::IValue to_torch(const std::string& key, const wire::Tensor& t, c10::Device device) {
  if (t.dtype() == wire::DType::kString) return strings_to_torch(key, t);
  if (t.dtype() == wire::DType::kNested) fail_input(key, "nested tensors are not supported by TorchScript models");
  const auto dtype = torch_dtype(t.dtype());
  if (!dtype) {
    fail_input(key, std::string("libtorch 1.13 has no ") + wire::to_string(t.dtype()) + " dtype (supported: " +
                        kSupportedIn + ")");
  }
  return numeric_to_torch(key, t, *dtype, device);
}

wire::Tensor tensor_from_torch(const std::string& key, at::Tensor t) {
  const auto dtype = carton_dtype(t.scalar_type());
  if (!dtype) {
    fail_output(key, std::string("a ") + c10::toString(t.scalar_type()) + " tensor; carton's TorchScript runner returns " +
                         kSupportedOut + " tensors");
  }
  if (t.layout() != at::kStrided) fail_output(key, "a tensor with a non-strided (e.g. sparse) layout");
  if (!t.device().is_cpu()) t = t.to(at::kCPU);  // a copy
  t = t.resolve_neg();                            // no-op unless a lazy negation view
  if (!t.is_contiguous()) t = t.contiguous();     // a copy
  wire::Shape shape(t.sizes().begin(), t.sizes().end());
  const std::size_t esize = wire::element_size(*dtype);
  if (t.numel() == 0) {
    // carton stores max(numel, 1) elements; its core reads our tensors the same way.
    return wire::Tensor::from_bytes(*dtype, std::move(shape), wire::Bytes::adopt(std::vector<std::uint8_t>(esize, 0)));
  }
  const auto* data = static_cast<const std::uint8_t*>(t.data_ptr());
  const std::size_t nbytes = static_cast<std::size_t>(t.numel()) * esize;
  auto owner = std::make_shared<const at::Tensor>(std::move(t));
  return wire::Tensor::from_bytes(*dtype, std::move(shape), wire::Bytes(std::move(owner), data, nbytes));
}

wire::Tensor strings_from_torch(const std::string& key, c10::ArrayRef<c10::IValue> items) {
  std::vector<std::string> strings;
  strings.reserve(items.size());
  for (const auto& item : items) {
    if (!item.isString()) {
      fail_output(key, "a list holding a " + item.type()->annotation_str() +
                           "; carton's TorchScript runner returns lists only of strings");
    }
    strings.push_back(item.toStringRef());
  }
  const wire::Shape shape{strings.size()};
  // As for numeric tensors, an empty list still stores one element.
  if (strings.empty()) strings.emplace_back();
  return wire::Tensor::from_strings(shape, std::move(strings));
}

wire::Tensor from_torch(const std::string& key, const c10::IValue& v) {
  if (v.isTensor()) return tensor_from_torch(key, v.toTensor());
  if (v.isString()) return wire::Tensor::from_strings({}, {v.toStringRef()});
  if (v.isList()) return strings_from_torch(key, v.toListRef());
  fail_output(key, "a value of type " + v.type()->annotation_str() + "; carton's TorchScript runner returns Tensor (" +
                       kSupportedOut + "), str, or List[str]");
}

}  // namespace

c10::impl::GenericDict to_torch_inputs(const wire::Map<std::string, wire::Tensor>& inputs,
                                       const c10::TypePtr& value_type, c10::Device device) {
  c10::TypePtr type = value_type;
  if (!type) {
    bool all_numeric = true;
    for (const auto& [key, t] : inputs) all_numeric &= wire::is_numeric(t.dtype());
    type = all_numeric ? c10::TypePtr(c10::TensorType::get()) : c10::TypePtr(c10::AnyType::get());
  }
  c10::impl::GenericDict dict(c10::StringType::get(), type);
  dict.reserve(inputs.size());
  for (const auto& [key, t] : inputs) {
    c10::IValue v = to_torch(key, t, device);
    if (!v.type()->isSubtypeOf(*type)) {
      fail_input(key, "becomes a " + v.type()->annotation_str() + ", but the model's forward() takes Dict[str, " +
                          type->annotation_str() + "]");
    }
    dict.insert(c10::IValue(key), std::move(v));
  }
  return dict;
}

wire::Map<std::string, wire::Tensor> from_torch_outputs(const c10::IValue& output) {
  if (!output.isGenericDict()) {
    throw ConversionError("forward() returned a " + output.type()->annotation_str() +
                          ", not a dict; carton's TorchScript runner needs Dict[str, ...]");
  }
  wire::Map<std::string, wire::Tensor> out;
  const auto dict = output.toGenericDict();
  out.reserve(dict.size());
  for (const auto& entry : dict) {
    if (!entry.key().isString()) {
      throw ConversionError("forward() returned a dict with " + entry.key().type()->annotation_str() +
                            " keys; carton names tensors by str");
    }
    const std::string& key = entry.key().toStringRef();
    out.insert_or_assign(key, from_torch(key, entry.value()));
  }
  return out;
}

}  // namespace carton::examples::torchscript
