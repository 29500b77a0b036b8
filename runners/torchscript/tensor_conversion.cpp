#include "tensor_conversion.hpp"

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "carton/runner/tensor_access.hpp"

namespace carton::runners::torchscript {

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

at::Tensor numeric_to_torch(const std::string& key, const wire::Tensor& t, at::ScalarType dtype, c10::Device device) {
  // A view into the frame with the tensor's own strides, or one aligned copy of its
  // stored elements when they are misaligned there (runner/tensor_access.hpp).
  const runner::ElementArray a = runner::aligned(key, t);
  const auto cpu = at::TensorOptions().dtype(dtype).device(at::kCPU);
  at::Tensor out;
  if (a.numel() == 0) {
    out = at::empty(a.sizes(), cpu);
  } else {
    // See the header on why handing torch the frame's memory as writable is safe.
    void* data = const_cast<void*>(a.data());
    out = at::from_blob(data, a.sizes(), a.strides(), [owner = a.owner()](void*) {}, cpu);
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
  const runner::TensorLayout l = runner::checked_layout(key, t);
  const std::uint64_t stride = static_cast<std::uint64_t>(l.strides[0]);
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
  const void* data = t.data_ptr();
  const std::size_t nbytes = static_cast<std::size_t>(t.numel()) * wire::element_size(*dtype);
  // No copy: the reply holds torch's buffer until it is written.
  return wire::Tensor::adopt(*dtype, std::move(shape), data, nbytes, std::make_shared<const at::Tensor>(std::move(t)));
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

}  // namespace carton::runners::torchscript
