// tensor_access: the checks and views every framework runner needs, on tensors laid out
// as carton may send them (misaligned in the frame, strided, lying about their shape).
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <numeric>
#include <string>

#include "carton/runner/tensor_access.hpp"

using namespace carton;
using runner::TensorError;
using wire::DType;
using wire::Tensor;

namespace {

// `values` stored at byte offset `offset` of a larger buffer, as a decoded tensor's
// elements sit at any offset of a received frame.
template <class T>
Tensor at_offset(wire::Shape shape, const std::vector<T>& values, std::size_t offset,
                 std::optional<wire::Shape> strides = std::nullopt) {
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(offset + values.size() * sizeof(T));
  std::memcpy(buffer->data() + offset, values.data(), values.size() * sizeof(T));
  const std::uint8_t* p = buffer->data() + offset;
  return Tensor::from_bytes(wire::DTypeOf<T>::value, std::move(shape),
                            wire::Bytes(std::move(buffer), p, values.size() * sizeof(T)), std::move(strides));
}

std::vector<float> iota(std::size_t n) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.0f);
  return v;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const TensorError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(views_and_copies)

BOOST_AUTO_TEST_CASE(aligned_c_order_tensor_is_a_view) {
  const Tensor t = at_offset<float>({2, 3}, iota(6), 8);
  const auto a = runner::c_order("x", t);
  BOOST_TEST(!a.copied());
  BOOST_TEST(a.data() == t.bytes().data());
  BOOST_TEST(a.owner() == t.bytes().owner());
  BOOST_TEST((a.sizes() == std::vector<std::int64_t>{2, 3}));
  BOOST_TEST((a.strides() == std::vector<std::int64_t>{3, 1}));
  BOOST_TEST(a.numel() == 6u);
  BOOST_TEST(a.size_bytes() == 24u);
  BOOST_TEST(a.data_as<float>()[5] == 5.0f);
}

BOOST_AUTO_TEST_CASE(misaligned_tensor_is_copied_once_into_aligned_memory) {
  const Tensor t = at_offset<double>({4}, {1.5, -0.0, 3.25, 4.0}, 3);
  const auto a = runner::c_order("x", t);
  BOOST_TEST(a.copied());
  BOOST_TEST(reinterpret_cast<std::uintptr_t>(a.data()) % alignof(double) == 0);
  BOOST_TEST(std::memcmp(a.data(), t.bytes().data(), 32) == 0);  // bit-exact, -0.0 included
  // The copy lives as long as the array, not the tensor.
  BOOST_TEST(a.owner() != t.bytes().owner());
}

BOOST_AUTO_TEST_CASE(strided_tensor_is_gathered_into_c_order) {
  // A transposed 2x3 over row-major 3x2 storage: element (i, j) = storage[j * 2 + i].
  const std::vector<float> storage{0, 1, 2, 3, 4, 5};
  const Tensor t = at_offset<float>({2, 3}, storage, 0, wire::Shape{1, 2});
  const auto a = runner::c_order("x", t);
  BOOST_TEST(a.copied());
  BOOST_TEST((a.strides() == std::vector<std::int64_t>{3, 1}));
  const std::vector<float> got(a.data_as<float>(), a.data_as<float>() + 6);
  BOOST_TEST((got == std::vector<float>{0, 2, 4, 1, 3, 5}));
}

BOOST_AUTO_TEST_CASE(gather_handles_dense_rows_and_broadcast_strides) {
  // 3-d, inner rows adjacent, outer dimension stepping over a gap of 2 elements.
  const Tensor t = at_offset<float>({2, 2, 2}, iota(12), 4, wire::Shape{6, 2, 1});
  const auto a = runner::c_order("x", t);
  const std::vector<float> got(a.data_as<float>(), a.data_as<float>() + 8);
  BOOST_TEST((got == std::vector<float>{0, 1, 2, 3, 6, 7, 8, 9}));
  // Stride 0 repeats one element along a dimension.
  const Tensor b = at_offset<float>({3, 2}, {7, 8}, 0, wire::Shape{0, 1});
  const auto bb = runner::c_order("b", b);
  const std::vector<float> got_b(bb.data_as<float>(), bb.data_as<float>() + 6);
  BOOST_TEST((got_b == std::vector<float>{7, 8, 7, 8, 7, 8}));
}

BOOST_AUTO_TEST_CASE(explicit_c_order_strides_and_size_one_dimensions_stay_views) {
  // Strides equal to the C-order ones, and any stride on a dimension of size 1.
  const Tensor t = at_offset<float>({1, 2, 3}, iota(6), 0, wire::Shape{99, 3, 1});
  const auto a = runner::c_order("x", t);
  BOOST_TEST(!a.copied());
  BOOST_TEST(a.c_order());
}

BOOST_AUTO_TEST_CASE(aligned_keeps_strides_and_copies_only_misaligned_storage) {
  const std::vector<float> storage{0, 1, 2, 3, 4, 5};
  const Tensor view = at_offset<float>({2, 3}, storage, 4, wire::Shape{1, 2});
  const auto a = runner::aligned("x", view);
  BOOST_TEST(!a.copied());
  BOOST_TEST(!a.c_order());
  BOOST_TEST((a.strides() == std::vector<std::int64_t>{1, 2}));
  const Tensor misaligned = at_offset<float>({2, 3}, storage, 2, wire::Shape{1, 2});
  const auto b = runner::aligned("x", misaligned);
  BOOST_TEST(b.copied());
  BOOST_TEST((b.strides() == std::vector<std::int64_t>{1, 2}));
  BOOST_TEST(std::memcmp(b.data(), misaligned.bytes().data(), 24) == 0);
}

BOOST_AUTO_TEST_CASE(large_copies_come_from_reused_memory) {
  // 8 MiB misaligned: copied into a 2 MiB-aligned pooled mapping, reused after release.
  const std::size_t n = (8u << 20) / sizeof(float);
  const Tensor t = at_offset<float>({n}, std::vector<float>(n, 1.0f), 1);
  const void* first;
  {
    const auto a = runner::c_order("big", t);
    BOOST_TEST(a.copied());
    first = a.data();
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(first) % (2u << 20) == 0);
  }
  const auto b = runner::c_order("big", t);
  BOOST_TEST(b.data() == first);
  BOOST_TEST(b.data_as<float>()[n - 1] == 1.0f);
}

BOOST_AUTO_TEST_CASE(empty_and_scalar_tensors) {
  const Tensor empty = at_offset<float>({0, 32}, {0.0f}, 1);  // carton's padding element
  const auto e = runner::c_order("x", empty);
  BOOST_TEST(e.numel() == 0u);
  BOOST_TEST(!e.copied());  // nothing is read, so nothing is copied
  const Tensor scalar = at_offset<std::int64_t>({}, {42}, 0);
  const auto s = runner::c_order("x", scalar);
  BOOST_TEST(s.numel() == 1u);
  BOOST_TEST(s.data_as<std::int64_t>()[0] == 42);
  BOOST_CHECK_THROW(s.data_as<float>(), TensorError);
}

BOOST_AUTO_TEST_CASE(c_order_elements_views_copies_into_scratch_or_gathers) {
  std::vector<float> scratch;
  // Aligned, C order: the storage itself; the scratch is not touched.
  const Tensor view = at_offset<float>({2, 3}, iota(6), 8);
  BOOST_TEST(runner::c_order_elements<float>("x", view, scratch) ==
             reinterpret_cast<const float*>(view.bytes().data()));
  BOOST_TEST(scratch.empty());
  // Misaligned: copied into the scratch, bit for bit; a second request of the same
  // size reuses the scratch's memory.
  const Tensor misaligned = at_offset<float>({2, 2}, {1.5f, -0.0f, 3.0f, 4.0f}, 1);
  const float* copied = runner::c_order_elements<float>("x", misaligned, scratch);
  BOOST_TEST(copied == scratch.data());
  BOOST_TEST(std::memcmp(copied, misaligned.bytes().data(), 16) == 0);
  const Tensor again = at_offset<float>({2, 2}, {5, 6, 7, 8}, 3);
  BOOST_TEST(runner::c_order_elements<float>("x", again, scratch) == copied);
  BOOST_TEST(scratch[3] == 8.0f);
  // Strided: gathered into C order, as c_order() does.
  const Tensor transposed = at_offset<float>({2, 3}, {0, 1, 2, 3, 4, 5}, 0, wire::Shape{1, 2});
  const float* gathered = runner::c_order_elements<float>("x", transposed, scratch);
  BOOST_TEST((std::vector<float>(gathered, gathered + 6) == std::vector<float>{0, 2, 4, 1, 3, 5}));
  // Its checks are c_order()'s, and the dtype must be the one read.
  const Tensor short_storage = at_offset<float>({4, 4}, iota(15), 1);
  BOOST_TEST(error_of([&] { runner::c_order_elements<float>("x", short_storage, scratch); }) ==
             "input 'x': shape [4, 4] reads past its 15 stored elements");
  std::vector<double> wide;
  BOOST_TEST(error_of([&] { runner::c_order_elements<double>("x", view, wide); }) ==
             "input 'x' is float32, read as float64");
}

BOOST_AUTO_TEST_CASE(check_layout_checks_as_checked_layout) {
  BOOST_CHECK_NO_THROW(runner::check_layout("x", at_offset<float>({2, 3}, iota(6), 1)));
  BOOST_CHECK_NO_THROW(runner::check_layout("x", at_offset<float>({0, 3}, iota(1), 1)));
  const Tensor s = at_offset<float>({2, 3}, iota(6), 0, wire::Shape{3, 2});
  BOOST_TEST(error_of([&] { runner::check_layout("s", s); }) == error_of([&] { runner::checked_layout("s", s); }));
  BOOST_TEST(error_of([&] { runner::check_layout("s", s); }) ==
             "input 's': shape [2, 3] with strides [3, 2] reads past its 6 stored elements");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(layout_errors)

BOOST_AUTO_TEST_CASE(shape_past_storage_is_refused) {
  const Tensor t = at_offset<float>({4, 4}, iota(15), 0);
  BOOST_TEST(error_of([&] { runner::c_order("x", t); }) == "input 'x': shape [4, 4] reads past its 15 stored elements");
  const Tensor s = at_offset<float>({2, 3}, iota(6), 0, wire::Shape{3, 2});
  BOOST_TEST(error_of([&] { runner::aligned("s", s); }) ==
             "input 's': shape [2, 3] with strides [3, 2] reads past its 6 stored elements");
}

BOOST_AUTO_TEST_CASE(overflowing_layouts_are_refused) {
  const Tensor huge = at_offset<float>({1ull << 62, 1ull << 62}, iota(4), 0);
  BOOST_TEST(error_of([&] { runner::c_order("x", huge); }) ==
             "input 'x': shape [4611686018427387904, 4611686018427387904] reads past its 4 stored elements");
  const Tensor too_big = at_offset<float>({1ull << 63}, iota(4), 0);
  BOOST_TEST(error_of([&] { runner::c_order("x", too_big); }) ==
             "input 'x': dimension 9223372036854775808 is larger than 2^63-1");
  const Tensor stride = at_offset<float>({2}, iota(4), 0, wire::Shape{1ull << 63});
  BOOST_TEST(error_of([&] { runner::c_order("x", stride); }) ==
             "input 'x': stride 9223372036854775808 is larger than 2^63-1");
}

BOOST_AUTO_TEST_CASE(strides_of_another_rank_and_non_numeric_tensors_are_refused) {
  const Tensor t = at_offset<float>({2, 2}, iota(4), 0, wire::Shape{1});
  BOOST_TEST(error_of([&] { runner::c_order("x", t); }) ==
             "input 'x': shape [2, 2] has 2 dimensions but strides [1] has 1");
  const Tensor s = Tensor::from_strings({3}, {"a", "b", "c"}, wire::Shape{2});
  BOOST_TEST(error_of([&] { runner::c_order("s", s); }) == "input 's': is a string tensor; a numeric one is needed here");
  // String tensors have a layout to check, too.
  BOOST_TEST(error_of([&] { runner::checked_layout("s", s); }) ==
             "input 's': shape [3] with strides [2] reads past its 3 stored elements");
  BOOST_TEST(runner::checked_layout("s", Tensor::from_strings({2}, {"a", "b"})).numel == 2u);
  BOOST_TEST(error_of([&] { runner::checked_layout("n", Tensor::nested({})); }) ==
             "input 'n': is a nested tensor, which has no layout");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(checks)

BOOST_AUTO_TEST_CASE(require_tensor_names_what_the_request_has) {
  wire::Map<std::string, Tensor> m;
  BOOST_TEST(error_of([&] { runner::require_tensor(m, "input"); }) ==
             "input 'input' is missing; the request has no tensors");
  m.insert_or_assign("b", Tensor::from_values<float>({1}, {1}));
  m.insert_or_assign("a", Tensor::from_values<float>({1}, {2}));
  BOOST_TEST(error_of([&] { runner::require_tensor(m, "input"); }) ==
             "input 'input' is missing; the request has 'b', 'a'");
  BOOST_TEST(runner::require_tensor(m, "a").value<float>(0) == 2.0f);
}

BOOST_AUTO_TEST_CASE(require_dtype_rank_and_dim) {
  const Tensor t = Tensor::from_values<std::int64_t>({2, 16}, std::vector<std::int64_t>(32));
  BOOST_TEST(error_of([&] { runner::require_dtype("input", t, {DType::kFloat32, DType::kFloat64}); }) ==
             "input 'input': is int64; this runner takes float32 or float64");
  BOOST_TEST(error_of([&] { runner::require_dtype("input", t, {DType::kFloat32, DType::kFloat64, DType::kUInt8}); }) ==
             "input 'input': is int64; this runner takes float32, float64 or uint8");
  runner::require_dtype("input", t, {DType::kInt64});
  BOOST_TEST(error_of([&] { runner::require_rank("input", t, 3, "[N, C, W]"); }) ==
             "input 'input' has 2 dimensions [2, 16]; this runner takes 3 ([N, C, W])");
  runner::require_rank("input", t, 2);
  BOOST_TEST(error_of([&] { runner::require_dim("input", t, 1, 32, "features"); }) ==
             "input 'input': dimension 1 (features) is 16; the model takes 32");
  BOOST_TEST(error_of([&] { runner::require_dim("input", t, 2, 1); }) ==
             "input 'input': has no dimension 2 (shape [2, 16])");
  runner::require_dim("input", t, 0, 2);
}

BOOST_AUTO_TEST_SUITE_END()
