#include "carton/wire/tensor_wire.hpp"

namespace carton::wire {

std::uint32_t TensorWireLayout::tag_of(DType dtype) const {
  for (std::uint32_t i = 0; i < dtype_by_tag.size(); ++i) {
    if (dtype_by_tag[i] == dtype) return i;
  }
  throw EncodeError(std::string("the schema has no tensor variant for ") + to_string(dtype));
}

namespace {

// The fewest bytes a tensor takes: its tag plus a nested tensor's empty count.
constexpr std::size_t kMinNestedChildBytes = 4 + 8;

void decode_storage(Reader& r, Tensor& out, DType dtype, const TensorWireLayout& layout) {
  r.push("data");
  const std::uint32_t want = dtype == DType::kString ? layout.string_storage_tag : layout.numeric_storage_tag;
  const std::uint32_t got = r.tag(layout.storage_tag_width, 2, "InlineTensorStorage");
  if (got != want) {
    r.fail(DecodeErrorKind::kStorageMismatch, got, want,
           std::string(to_string(dtype)) + " tensors use " + (dtype == DType::kString ? "string" : "numeric") +
               " storage");
  }
  r.always_some();
  Bytes numeric;
  std::vector<std::string> strings;
  if (dtype == DType::kString) {
    decode(r, strings);
  } else {
    numeric = r.bytes();
    const std::size_t width = element_size(dtype);
    if (numeric.size() % width != 0) {
      r.fail(DecodeErrorKind::kStorageMismatch, numeric.size(), width,
             std::string("byte count is not a multiple of the ") + to_string(dtype) + " element size");
    }
  }
  Shape shape;
  std::optional<Shape> strides;
  r.set("shape");
  decode(r, shape);
  r.set("strides");
  decode(r, strides);
  r.pop();
  out = dtype == DType::kString ? Tensor::from_strings(std::move(shape), std::move(strings), std::move(strides))
                                : Tensor::from_bytes(dtype, std::move(shape), std::move(numeric), std::move(strides));
}

}  // namespace

void decode_tensor(Reader& r, Tensor& out, const TensorWireLayout& layout) {
  const auto tag = r.tag(layout.tag_width, static_cast<std::uint32_t>(layout.dtype_by_tag.size()), "Tensor");
  const DType dtype = layout.dtype_by_tag[tag];
  r.push(to_string(dtype));
  if (dtype == DType::kNested) {
    r.enter_nested();
    const std::uint64_t n = r.count(kMinNestedChildBytes);
    std::vector<Tensor> children(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      r.push_index(i);
      decode_tensor(r, children[i], layout);
      r.pop();
    }
    r.leave_nested();
    out = Tensor::nested(std::move(children));
  } else {
    decode_storage(r, out, dtype, layout);
  }
  r.pop();
}

void encode_tensor(Writer& w, const Tensor& t, const TensorWireLayout& layout) {
  w.tag(layout.tag_width, layout.tag_of(t.dtype()));
  if (t.dtype() == DType::kNested) {
    w.enter_nested();
    w.count(t.children().size());
    for (const auto& c : t.children()) encode_tensor(w, c, layout);
    w.leave_nested();
    return;
  }
  if (t.dtype() == DType::kString) {
    w.tag(layout.storage_tag_width, layout.string_storage_tag);
    w.option(true);
    encode(w, t.strings());
  } else {
    w.tag(layout.storage_tag_width, layout.numeric_storage_tag);
    w.option(true);
    w.bytes(t.bytes());
  }
  encode(w, t.shape());
  encode(w, t.strides());
}

}  // namespace carton::wire
