#include "tensor_mapping.hpp"

#include <cmath>
#include <limits>
#include <set>

#include "carton/runner/tensor_access.hpp"

namespace carton::runners::onnx {

namespace {

using runner::TensorError;

std::string dims_text(const ValueSpec& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.dims.size(); ++i) {
    if (i) out += ", ";
    out += s.dims[i] ? std::to_string(*s.dims[i]) : (s.dim_names[i].empty() ? "?" : s.dim_names[i]);
  }
  return out + "]";
}

template <class T>
void widen(const runner::ElementArray& a, float* out) {
  const T* in = a.data_as<T>();
  for (std::uint64_t i = 0; i < a.numel(); ++i) out[i] = static_cast<float>(in[i]);
}

cv::Mat input_mat(const ValueSpec& spec, const wire::Tensor& t, std::vector<std::shared_ptr<const void>>& keep) {
  runner::require_dtype(spec.name, t, {spec.dtype});
  if (spec.ranked) runner::require_rank(spec.name, t, spec.dims.size(), dims_text(spec));
  for (std::size_t d = 0; d < spec.dims.size() && spec.ranked; ++d) {
    if (spec.dims[d]) {
      runner::require_dim(spec.name, t, d, static_cast<std::uint64_t>(*spec.dims[d]),
                          "fixed by the model; a dynamic axis at export lets it vary");
    }
  }
  const auto layout = runner::checked_layout(spec.name, t);
  if (layout.numel == 0) {
    throw TensorError("input '" + spec.name + "': it has no element (shape with a 0 dimension); OpenCV's DNN cannot "
                      "run an empty tensor");
  }
  if (layout.numel > static_cast<std::uint64_t>(kMaxElements)) {
    throw TensorError("input '" + spec.name + "': " + std::to_string(layout.numel) +
                      " elements; OpenCV's DNN takes at most " + std::to_string(kMaxElements));
  }
  // A cv::Mat has 2+ dimensions: a 1-d [N] input is [N, 1], a scalar [1, 1], as
  // OpenCV's own importer treats 1-d graph inputs.
  std::vector<int> sizes(layout.sizes.begin(), layout.sizes.end());
  if (sizes.empty()) sizes.push_back(1);
  if (sizes.size() == 1) sizes.push_back(1);
  // A view when the tensor is C-order and aligned, else one copy (then a float32
  // tensor is ready; another dtype is converted from it, a second copy only then).
  const auto a = runner::c_order(spec.name, t);
  if (t.dtype() == wire::DType::kFloat32) {
    // OpenCV reads it (setInput copies it into the network's blob), never writes it.
    keep.push_back(a.owner());
    return cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F, const_cast<void*>(a.data()));
  }
  cv::Mat m(static_cast<int>(sizes.size()), sizes.data(), CV_32F);
  float* out = m.ptr<float>();
  switch (t.dtype()) {
    case wire::DType::kFloat32: widen<float>(a, out); break;
    case wire::DType::kFloat64: widen<double>(a, out); break;
    case wire::DType::kInt8: widen<std::int8_t>(a, out); break;
    case wire::DType::kInt16: widen<std::int16_t>(a, out); break;
    case wire::DType::kInt32: widen<std::int32_t>(a, out); break;
    case wire::DType::kInt64: widen<std::int64_t>(a, out); break;
    case wire::DType::kUInt8: widen<std::uint8_t>(a, out); break;
    case wire::DType::kUInt16: widen<std::uint16_t>(a, out); break;
    case wire::DType::kUInt32: widen<std::uint32_t>(a, out); break;
    case wire::DType::kUInt64: widen<std::uint64_t>(a, out); break;
    default: throw TensorError("input '" + spec.name + "': dtype " + wire::to_string(t.dtype()));
  }
  return m;
}

template <class T>
wire::Tensor narrowed(wire::Shape shape, const float* in, std::size_t n) {
  std::vector<T> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (std::is_integral_v<T>) {
      // Round to nearest and saturate, as cv::saturate_cast does for the types it has.
      const double v = std::nearbyint(static_cast<double>(in[i]));
      if (std::isnan(v)) out[i] = 0;
      else if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) out[i] = std::numeric_limits<T>::lowest();
      else if (v >= static_cast<double>(std::numeric_limits<T>::max())) out[i] = std::numeric_limits<T>::max();
      else out[i] = static_cast<T>(v);
    } else {
      out[i] = static_cast<T>(in[i]);
    }
  }
  return wire::Tensor::from_values<T>(std::move(shape), std::move(out));
}

}  // namespace

InputMats to_mats(const std::vector<ValueSpec>& specs, const wire::Map<std::string, wire::Tensor>& tensors) {
  std::set<std::string> known;
  for (const auto& s : specs) known.insert(s.name);
  for (const auto& [name, t] : tensors) {
    if (!known.count(name)) {
      std::string list;
      for (const auto& s : specs) list += (list.empty() ? "" : ", ") + s.name;
      throw TensorError("input '" + name + "': the model has no such input (its inputs: " + list + ")");
    }
  }
  InputMats out;
  for (const auto& s : specs) out.mats.push_back(input_mat(s, runner::require_tensor(tensors, s.name), out.keep));
  return out;
}

wire::Shape output_shape(const ValueSpec& spec, const std::vector<int>& mat_shape) {
  std::uint64_t numel = 1;
  for (int d : mat_shape) numel *= static_cast<std::uint64_t>(d);
  wire::Shape got(mat_shape.begin(), mat_shape.end());
  if (!spec.ranked) return got;
  // A fully declared shape with the same element count is the shape.
  bool fixed = true;
  std::uint64_t declared = 1;
  for (const auto& d : spec.dims) {
    if (!d) fixed = false;
    else declared *= static_cast<std::uint64_t>(*d);
  }
  if (fixed && declared == numel) {
    wire::Shape s;
    for (const auto& d : spec.dims) s.push_back(static_cast<std::uint64_t>(*d));
    return s;
  }
  // Else the declared rank: drop trailing, then leading, 1s OpenCV added; or pad with
  // leading 1s.
  const std::size_t rank = spec.dims.size();
  while (got.size() > rank && got.back() == 1) got.pop_back();
  while (got.size() > rank && got.front() == 1) got.erase(got.begin());
  while (got.size() < rank) got.insert(got.begin(), 1);
  return got;
}

wire::Tensor to_tensor(const ValueSpec& spec, const cv::Mat& mat, std::shared_ptr<const void> keep) {
  if (mat.type() != CV_32F) {
    throw std::runtime_error("output '" + spec.name + "': OpenCV returned a blob of type " + cv::typeToString(mat.type()) +
                             ", not float32");
  }
  std::vector<int> dims(mat.size.p, mat.size.p + mat.dims);
  const auto shape = output_shape(spec, dims);
  cv::Mat m = mat.isContinuous() ? mat : mat.clone();
  const std::size_t n = m.total();
  const float* p = m.ptr<float>();
  switch (spec.dtype) {
    case wire::DType::kFloat32: {
      auto owner = std::make_shared<std::pair<cv::Mat, std::shared_ptr<const void>>>(m, std::move(keep));
      return wire::Tensor::adopt(wire::DType::kFloat32, shape, p, n * sizeof(float), std::move(owner));
    }
    case wire::DType::kFloat64: return narrowed<double>(shape, p, n);
    case wire::DType::kInt8: return narrowed<std::int8_t>(shape, p, n);
    case wire::DType::kInt16: return narrowed<std::int16_t>(shape, p, n);
    case wire::DType::kInt32: return narrowed<std::int32_t>(shape, p, n);
    case wire::DType::kInt64: return narrowed<std::int64_t>(shape, p, n);
    case wire::DType::kUInt8: return narrowed<std::uint8_t>(shape, p, n);
    case wire::DType::kUInt16: return narrowed<std::uint16_t>(shape, p, n);
    case wire::DType::kUInt32: return narrowed<std::uint32_t>(shape, p, n);
    case wire::DType::kUInt64: return narrowed<std::uint64_t>(shape, p, n);
    default: throw std::runtime_error("output '" + spec.name + "': dtype " + wire::to_string(spec.dtype));
  }
}

}  // namespace carton::runners::onnx
