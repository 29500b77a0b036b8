// Compares a result with the corpus's expected output as ONNX's backend test runner
// does (onnx/backend/test/runner: np.testing.assert_allclose after an exact dtype
// check): |got - expected| <= atol + rtol * |expected| element by element, NaN equal to
// NaN, infinities equal when their signs are; strings exactly. The runner's
// tolerances, rtol 1e-3 and atol 1e-7, are the defaults (onnx/backend/test/loader);
// a test's data.json may set others, which none in libonnx-testdata 1.12 does.
// One deviation: shapes must be equal, where numpy would broadcast a 0-d result.
#pragma once

#include <optional>
#include <string>

#include "test_data.hpp"

namespace carton::onnx_corpus {

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// nullopt when `got` matches `expected`; otherwise what differs, e.g.
// "output 'y': 3 of 60 elements differ (worst at 17: 0.25 vs 0.5)".
std::optional<std::string> mismatch(const Array& expected, const Array& got, Tolerance tol = {});

std::string shape_string(const std::vector<std::int64_t>& shape);

}  // namespace carton::onnx_corpus
