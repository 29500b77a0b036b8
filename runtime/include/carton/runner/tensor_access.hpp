// Reading input tensors the way a framework wants them.
//
// Which problem it solves: every framework API takes "a pointer to aligned elements of
// one dtype, with sizes (and maybe strides)". A tensor carton sends is none of that for
// sure: its elements start at any offset in the received frame (so a float* cast is
// undefined behaviour), it may carry strides, and carton does not check its shape and
// strides against its storage, so a framework trusting them reads past the buffer.
// These functions do the checks once, with errors that name the tensor, and hand out
// the elements as a view into the frame when that is safe, or as one copy when not.
//
// Usage, in a handler:
//   const wire::Tensor& x = runner::require_tensor(request.tensors, "input");
//   runner::require_dtype("input", x, {wire::DType::kFloat32, wire::DType::kFloat64});
//   runner::require_rank("input", x, 2, "[N, F]");
//   runner::require_dim("input", x, 1, model.features(), "features");
//   const runner::ElementArray a = runner::c_order("input", x);  // a.data(), a.sizes()
//
// Every check throws TensorError, whose message starts "input '<name>': ", so a handler
// can answer it as is: `catch (const runner::TensorError& e) { responder.fail(e.what()); }`.
//
// Costs: c_order() is a view (no copy, no allocation beyond the sizes) when the tensor
// has no strides, or C-order ones, and its first element is aligned for its type; else
// it copies the elements once, in C order. aligned() keeps a tensor's strides (for
// frameworks that take them) and copies only a misaligned tensor, as stored. Copies of
// 4 MiB or more go into reused memory (runtime::LargeBufferPool): a fresh large buffer
// costs more in first-touch page faults than the copy itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::runner {

// A request's tensor does not fit what the runner takes; what() names the tensor.
class TensorError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The tensor `name` of a request. Its absence is a TensorError listing the names given.
const wire::Tensor& require_tensor(const wire::Map<std::string, wire::Tensor>& tensors, std::string_view name);
// TensorError unless t's dtype is one of `accepted`.
void require_dtype(std::string_view name, const wire::Tensor& t, std::initializer_list<wire::DType> accepted);
// TensorError unless t has `rank` dimensions; `dims` ("[N, F]") describes them in the error.
void require_rank(std::string_view name, const wire::Tensor& t, std::size_t rank, std::string_view dims = {});
// TensorError unless dimension `axis` is `expected`; `what` ("features") names it.
void require_dim(std::string_view name, const wire::Tensor& t, std::size_t axis, std::uint64_t expected,
                 std::string_view what = {});

// A numeric or string tensor's sizes and element strides (always filled: the C-order
// strides when the tensor has none), as int64 as frameworks take them, checked against
// the tensor's stored elements: the last element the layout reaches is stored. numel 0
// reads nothing.
struct TensorLayout {
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> strides;
  std::uint64_t numel = 0;
  bool c_order = true;  // strides are the C-order ones for sizes (dimensions of size 1 aside)
};
// TensorError for a nested tensor, strides of another rank, a size or stride past
// 2^63-1, or a layout that reads past storage.
TensorLayout checked_layout(std::string_view name, const wire::Tensor& t);
// The same checks, building nothing: no allocation.
void check_layout(std::string_view name, const wire::Tensor& t);

// A numeric tensor's elements in memory aligned for their type, with their layout. It
// shares ownership of that memory (the received frame, or its own copy).
class ElementArray {
 public:
  wire::DType dtype() const { return dtype_; }
  const std::vector<std::int64_t>& sizes() const { return layout_.sizes; }
  const std::vector<std::int64_t>& strides() const { return layout_.strides; }  // in elements
  std::uint64_t numel() const { return layout_.numel; }
  bool c_order() const { return layout_.c_order; }
  // Aligned for dtype(). For a tensor with numel 0 it points at storage that is not read.
  const void* data() const { return data_; }
  template <class T>
  const T* data_as() const {
    if (wire::DTypeOf<T>::value != dtype_) throw_dtype_mismatch(wire::DTypeOf<T>::value);
    return static_cast<const T*>(data_);
  }
  // numel() * element size: the bytes a C-order array spans.
  std::size_t size_bytes() const { return static_cast<std::size_t>(layout_.numel) * wire::element_size(dtype_); }
  // True when the elements were copied; false when data() points into the tensor's storage.
  bool copied() const { return copied_; }
  // Keeps data() alive; a framework tensor made over data() should hold it (e.g. in a deleter).
  const std::shared_ptr<const void>& owner() const { return owner_; }

 private:
  friend ElementArray c_order(std::string_view, const wire::Tensor&);
  friend ElementArray aligned(std::string_view, const wire::Tensor&);
  // A view of t's storage with its checked layout; own_copy() then replaces the memory
  // with `bytes` of its own and returns it to be filled.
  static ElementArray over(std::string_view name, const wire::Tensor& t);
  std::uint8_t* own_copy(std::size_t bytes);
  [[noreturn]] void throw_dtype_mismatch(wire::DType wanted) const;

  wire::DType dtype_ = wire::DType::kFloat32;
  TensorLayout layout_;
  const void* data_ = nullptr;
  bool copied_ = false;
  std::shared_ptr<const void> owner_;
};

// The elements in C order (row-major, contiguous) and aligned: a view when the tensor
// already is so, else one copy. TensorError for a string or nested tensor, or as
// checked_layout().
ElementArray c_order(std::string_view name, const wire::Tensor& t);
// The elements with the tensor's own strides, aligned: a view unless misaligned, else one
// copy of the stored elements.
ElementArray aligned(std::string_view name, const wire::Tensor& t);

namespace detail {
const void* c_order_elements(std::string_view name, const wire::Tensor& t, std::size_t element,
                             void* (*scratch)(void* self, std::size_t bytes), void* self);
}  // namespace detail

// c_order() for a small tensor on a hot path (a row or a few per request): the elements
// in C order and aligned, as a pointer into the tensor's storage when they already are
// so, else copied into `scratch`, which the caller reuses (a thread_local, say), so
// that no request allocates: ElementArray's layout and owner cost more than the walk
// of a one-row request. Valid while the tensor and `scratch` are. T must be the
// tensor's dtype (TensorError otherwise); checks and throws as c_order().
template <class T>
const T* c_order_elements(std::string_view name, const wire::Tensor& t, std::vector<T>& scratch) {
  if (wire::DTypeOf<T>::value != t.dtype()) {
    throw TensorError("input '" + std::string(name) + "' is " + wire::to_string(t.dtype()) + ", read as " +
                      wire::to_string(wire::DTypeOf<T>::value));
  }
  auto grow = [](void* self, std::size_t bytes) -> void* {
    auto& v = *static_cast<std::vector<T>*>(self);
    v.resize(bytes / sizeof(T));
    return v.data();
  };
  return static_cast<const T*>(detail::c_order_elements(name, t, sizeof(T), grow, &scratch));
}

}  // namespace carton::runner
