#include "tensor_mapping.hpp"

#include <optional>

#include "carton/runner/tensor_access.hpp"

namespace carton::examples::xgboost {

namespace {

constexpr char kInput[] = "input";
constexpr char kBaseMargin[] = "base_margin";
constexpr char kOutput[] = "output";

DenseRows rows_of(const runner::ElementArray& a) {
  const std::uint64_t size = wire::element_size(a.dtype());
  DenseRows r;
  r.data = a.data();
  r.float64 = a.dtype() == wire::DType::kFloat64;
  r.rows = static_cast<std::uint64_t>(a.sizes()[0]);
  r.row_stride = static_cast<std::uint64_t>(a.strides()[0]) * size;
  if (a.sizes().size() == 2) {
    r.columns = static_cast<std::uint64_t>(a.sizes()[1]);
    r.column_stride = static_cast<std::uint64_t>(a.strides()[1]) * size;
  }
  return r;
}

}  // namespace

Tensors predict(const Booster& booster, const std::string& config, bool validate_features, const Tensors& inputs) {
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
  const runner::ElementArray rows = runner::aligned(kInput, x);

  std::optional<runner::ElementArray> margin;
  DenseRows margin_rows;
  if (const auto it = inputs.find(kBaseMargin); it != inputs.end()) {
    const wire::Tensor& m = it->second;
    runner::require_dtype(kBaseMargin, m, {wire::DType::kFloat32, wire::DType::kFloat64});
    if (m.shape().size() != 1 && m.shape().size() != 2) runner::require_rank(kBaseMargin, m, 2, "[N] or [N, G]");
    runner::require_dim(kBaseMargin, m, 0, x.shape()[0], "rows, as in 'input'");
    margin = runner::aligned(kBaseMargin, m);
    margin_rows = rows_of(*margin);
  }

  const Prediction p = booster.predict(rows_of(rows), config, margin ? &margin_rows : nullptr);
  Tensors out;
  out.insert_or_assign(kOutput, wire::Tensor::copy_of(wire::DType::kFloat32, wire::Shape(p.shape.begin(), p.shape.end()),
                                                      p.values, p.size() * sizeof(float)));
  return out;
}

}  // namespace carton::examples::xgboost
