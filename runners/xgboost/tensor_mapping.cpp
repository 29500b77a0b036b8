#include "tensor_mapping.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "carton/runner/tensor_access.hpp"

namespace carton::runners::xgboost {

namespace {

constexpr char kInput[] = "input";
constexpr char kBaseMargin[] = "base_margin";
constexpr char kOutput[] = "output";
// Misaligned rows are copied to aligned memory this many bytes at a time (at least one
// row) and predicted block by block.
constexpr std::size_t kBlockBytes = std::size_t(1) << 20;

bool is_aligned(const void* p, std::size_t alignment) { return reinterpret_cast<std::uintptr_t>(p) % alignment == 0; }

DenseRows rows_of(const void* data, wire::DType dtype, const runner::TensorLayout& l) {
  const std::uint64_t size = wire::element_size(dtype);
  DenseRows r;
  r.data = data;
  r.float64 = dtype == wire::DType::kFloat64;
  r.rows = static_cast<std::uint64_t>(l.sizes[0]);
  r.row_stride = static_cast<std::uint64_t>(l.strides[0]) * size;
  if (l.sizes.size() == 2) {
    r.columns = static_cast<std::uint64_t>(l.sizes[1]);
    r.column_stride = static_cast<std::uint64_t>(l.strides[1]) * size;
  }
  return r;
}

// `rows` [begin, begin + n) of `all`, whose data may be misaligned, copied in C order
// into `block` (aligned for doubles, so for either dtype).
DenseRows copy_block(const DenseRows& all, std::uint64_t begin, std::uint64_t n, std::vector<double>& block) {
  const std::size_t element = all.float64 ? 8 : 4, row = all.columns * element;
  block.resize((n * row + 7) / 8);
  auto* out = reinterpret_cast<std::uint8_t*>(block.data());
  const auto* in = static_cast<const std::uint8_t*>(all.data) + begin * all.row_stride;
  for (std::uint64_t i = 0; i < n; ++i, in += all.row_stride, out += row) {
    if (all.column_stride == element) {
      std::memcpy(out, in, row);
    } else {
      for (std::uint64_t j = 0; j < all.columns; ++j) std::memcpy(out + j * element, in + j * all.column_stride, element);
    }
  }
  DenseRows b = all;
  b.data = block.data();
  b.rows = n;
  b.row_stride = row;
  b.column_stride = element;
  return b;
}

DenseRows margin_slice(const DenseRows& m, std::uint64_t begin, std::uint64_t n) {
  DenseRows s = m;
  s.data = static_cast<const std::uint8_t*>(m.data) + begin * m.row_stride;
  s.rows = n;
  return s;
}

}  // namespace

void check_inputs(const Booster& booster, bool validate_features, const Tensors& inputs) {
  for (const auto& [name, t] : inputs) {
    if (name != kInput && name != kBaseMargin) {
      throw runner::TensorError("input '" + name + "': this runner takes 'input' and, optionally, 'base_margin'");
    }
  }
  const wire::Tensor& x = runner::require_tensor(inputs, kInput);
  runner::require_dtype(kInput, x, {wire::DType::kFloat32, wire::DType::kFloat64});
  runner::require_rank(kInput, x, 2, "[N, F]: N rows of F features");
  if (x.shape()[0] == 0) throw runner::TensorError("input 'input': it has no rows (N = 0); send at least one");
  if (validate_features) runner::require_dim(kInput, x, 1, booster.num_features(), "features");
  runner::check_layout(kInput, x);
  if (const auto it = inputs.find(kBaseMargin); it != inputs.end()) {
    const wire::Tensor& m = it->second;
    runner::require_dtype(kBaseMargin, m, {wire::DType::kFloat32, wire::DType::kFloat64});
    if (m.shape().size() != 1 && m.shape().size() != 2) runner::require_rank(kBaseMargin, m, 2, "[N] or [N, G]");
    runner::require_dim(kBaseMargin, m, 0, x.shape()[0], "rows, as in 'input'");
    runner::check_layout(kBaseMargin, m);
  }
}

bool walks(const TreeWalker* walker, const Booster& booster, const Tensors& inputs) {
  if (!walker || inputs.size() != 1) return false;  // a base margin, or an unknown input
  const auto it = inputs.find(kInput);
  if (it == inputs.end()) return false;
  const wire::Tensor& x = it->second;
  return (x.dtype() == wire::DType::kFloat32 || x.dtype() == wire::DType::kFloat64) && x.shape().size() == 2 &&
         x.shape()[0] <= TreeWalker::kMaxRows && x.shape()[1] == booster.num_features();
}

Tensors predict(const Booster& booster, const std::string& config, bool validate_features, const Tensors& inputs,
                const TreeWalker* walker) {
  Tensors out;
  // walks() has checked what check_inputs() would of a walked request but its rows
  // (at least one) and its layout (c_order_elements checks it).
  if (walks(walker, booster, inputs) && inputs.begin()->second.shape()[0] > 0) {
    const wire::Tensor& x = inputs.begin()->second;
    // A few rows per request, on the thread that read it: reused memory, so that the
    // request allocates only its reply (tensor_access.hpp, c_order_elements).
    thread_local std::vector<float> rows, values;
    thread_local std::vector<double> wide;
    const std::uint64_t n = x.shape()[0], per_row = walker->outputs_per_row();
    const float* in;
    if (x.dtype() == wire::DType::kFloat32) {
      in = runner::c_order_elements<float>(kInput, x, rows);
    } else {
      // XGBoost's in-place prediction reads a float64 value as static_cast<float> of it
      // (1.7's ArrayInterface::operator()), before any split or missing test: so here.
      const double* d = runner::c_order_elements<double>(kInput, x, wide);
      rows.assign(d, d + n * booster.num_features());
      in = rows.data();
    }
    values.resize(n * per_row);
    walker->predict(in, n, values.data());
    // Booster.predict's shapes: [N] for one value per row, else [N, groups].
    wire::Shape shape = per_row == 1 ? wire::Shape{n} : wire::Shape{n, per_row};
    out.insert_or_assign(kOutput, wire::Tensor::copy_of(wire::DType::kFloat32, std::move(shape), values.data(),
                                                        values.size() * sizeof(float)));
    return out;
  }
  check_inputs(booster, validate_features, inputs);
  const wire::Tensor& x = inputs.at(kInput);
  const DenseRows rows = rows_of(x.bytes().data(), x.dtype(), runner::checked_layout(kInput, x));

  // The base margin is N or N x G values, small beside the rows: aligned() copies it
  // when it must.
  std::optional<runner::ElementArray> margin;
  DenseRows margin_rows;
  if (const auto it = inputs.find(kBaseMargin); it != inputs.end()) {
    margin = runner::aligned(kBaseMargin, it->second);
    margin_rows = rows_of(margin->data(), margin->dtype(), {margin->sizes(), margin->strides(), margin->numel(), true});
  }

  if (is_aligned(rows.data, wire::element_size(x.dtype()))) {
    booster.predict(rows, config, margin ? &margin_rows : nullptr, [&](const Prediction& p) {
      out.insert_or_assign(kOutput, wire::Tensor::copy_of(wire::DType::kFloat32,
                                                          wire::Shape(p.shape.begin(), p.shape.end()), p.values,
                                                          p.size() * sizeof(float)));
    });
    return out;
  }
  // XGBoost refuses a pointer not aligned for its type ("Input pointer misalignment"),
  // and carton puts a tensor's elements at any offset in its frame. Copying all rows
  // would double the request's memory; a block at a time costs kBlockBytes, and each
  // block's predictions go straight into the reply's storage.
  const std::uint64_t row_bytes = rows.columns * wire::element_size(x.dtype());
  const std::uint64_t per_block = std::max<std::uint64_t>(1, kBlockBytes / std::max<std::uint64_t>(1, row_bytes));
  std::vector<double> block;
  std::vector<float> values;
  wire::Shape shape;
  for (std::uint64_t begin = 0; begin < rows.rows; begin += per_block) {
    const std::uint64_t n = std::min(per_block, rows.rows - begin);
    const DenseRows b = copy_block(rows, begin, n, block);
    const DenseRows bm = margin ? margin_slice(margin_rows, begin, n) : DenseRows{};
    booster.predict(b, config, margin ? &bm : nullptr, [&](const Prediction& p) {
      if (begin == 0) {
        shape.assign(p.shape.begin(), p.shape.end());
        if (shape.empty()) shape.push_back(n);
        shape[0] = rows.rows;
        values.reserve(static_cast<std::size_t>(p.size() / n * rows.rows));
      }
      values.insert(values.end(), p.values, p.values + p.size());
    });
  }
  out.insert_or_assign(kOutput, wire::Tensor::from_values<float>(std::move(shape), std::move(values)));
  return out;
}

}  // namespace carton::runners::xgboost
