#include "carton/runner/batch_rows.hpp"

#include <cstring>
#include <memory>

#include "carton/runner/tensor_access.hpp"

namespace carton::runner {

namespace {

bool mergeable(const wire::Tensor& t) {
  return t.dtype() != wire::DType::kString && t.dtype() != wire::DType::kNested && !t.shape().empty();
}

}  // namespace

std::optional<RowSignature> row_signature(const Tensors& inputs) {
  if (inputs.empty()) return std::nullopt;
  RowSignature s;
  bool first = true;
  for (const auto& [name, t] : inputs) {
    if (!mergeable(t)) return std::nullopt;
    if (first) {
      s.rows = t.shape()[0];
      first = false;
    } else if (t.shape()[0] != s.rows) {
      return std::nullopt;
    }
    // Length-prefixed, so that no name can pass for another's dimensions.
    s.key += std::to_string(name.size()) + ':' + name + '/' + std::to_string(static_cast<int>(t.dtype()));
    for (std::size_t i = 1; i < t.shape().size(); ++i) s.key += ',' + std::to_string(t.shape()[i]);
    s.key += ';';
  }
  if (s.rows == 0) return std::nullopt;
  return s;
}

Tensors merge_rows(const std::vector<const Tensors*>& requests) {
  Tensors merged;
  for (const auto& [name, first] : *requests.front()) {
    std::uint64_t rows = 0;
    for (const Tensors* r : requests) rows += r->at(name).shape()[0];
    wire::Shape shape = first.shape();
    shape[0] = rows;
    const std::size_t element = wire::element_size(first.dtype());
    std::size_t row_bytes = element;
    for (std::size_t i = 1; i < shape.size(); ++i) row_bytes *= shape[i];
    // A tensor with a 0 dimension still stores one element, as carton sends it.
    std::vector<std::uint8_t> storage(std::max<std::size_t>(element, rows * row_bytes));
    std::size_t at = 0;
    for (const Tensors* r : requests) {
      const ElementArray a = c_order(name, r->at(name));  // a view unless strided or misaligned
      std::memcpy(storage.data() + at, a.data(), a.size_bytes());
      at += a.size_bytes();
    }
    merged.insert_or_assign(name, wire::Tensor::from_bytes(first.dtype(), std::move(shape),
                                                           wire::Bytes::adopt(std::move(storage))));
  }
  return merged;
}

std::optional<std::vector<Tensors>> split_rows(const Tensors& outputs, const std::vector<std::uint64_t>& rows) {
  std::uint64_t total = 0;
  for (auto r : rows) total += r;
  std::vector<Tensors> parts(rows.size());
  for (const auto& [name, t] : outputs) {
    if (!mergeable(t) || t.shape()[0] != total) return std::nullopt;
    ElementArray a;
    try {
      a = c_order(name, t);
    } catch (const TensorError&) {
      return std::nullopt;
    }
    const std::size_t row_bytes = total == 0 ? 0 : a.size_bytes() / total;
    // Each part shares the merged output's memory: one allocation for all the replies.
    auto owner = a.owner();
    const auto* base = static_cast<const std::uint8_t*>(a.data());
    std::uint64_t begin = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      wire::Shape shape = t.shape();
      shape[0] = rows[i];
      parts[i].insert_or_assign(name, wire::Tensor::adopt(t.dtype(), std::move(shape), base + begin * row_bytes,
                                                          rows[i] * row_bytes, owner));
      begin += rows[i];
    }
  }
  return parts;
}

}  // namespace carton::runner
