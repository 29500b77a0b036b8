#include "compare.hpp"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <sstream>

namespace carton::onnx_corpus {

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::optional<std::string> mismatch(const Array& expected, const Array& got, Tolerance tol) {
  const std::string what = "output '" + expected.name + "': ";
  if (got.elem_type != expected.elem_type) {
    return what + "dtype " + elem_type_name(got.elem_type) + ", expected " + elem_type_name(expected.elem_type);
  }
  if (got.shape != expected.shape) {
    return what + "shape " + shape_string(got.shape) + ", expected " + shape_string(expected.shape);
  }
  if (expected.elem_type == onnx::TensorProto::STRING) {
    for (std::size_t i = 0; i < expected.strings.size(); ++i) {
      if (got.strings.at(i) != expected.strings[i]) {
        return what + "string " + std::to_string(i) + " is \"" + got.strings[i] + "\", expected \"" +
               expected.strings[i] + "\"";
      }
    }
    return std::nullopt;
  }
  const auto e = to_doubles(expected), g = to_doubles(got);
  std::size_t bad = 0, worst = 0;
  double worst_excess = -1;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const double x = g[i], y = e[i];
    if (std::isnan(x) && std::isnan(y)) continue;
    if (std::isinf(x) || std::isinf(y)) {
      if (x == y) continue;
    } else {
      const double excess = std::fabs(x - y) - (tol.atol + tol.rtol * std::fabs(y));
      if (excess <= 0) continue;
      if (excess > worst_excess) worst_excess = excess, worst = i;
      ++bad;
      continue;
    }
    if (worst_excess < 0) worst = i;
    worst_excess = INFINITY;
    ++bad;
  }
  if (bad == 0) return std::nullopt;
  std::ostringstream out;
  out.precision(7);
  out << what << bad << " of " << e.size() << " elements differ (worst at " << worst << ": " << g[worst] << ", expected "
      << e[worst] << ")";
  return out.str();
}

}  // namespace carton::onnx_corpus
