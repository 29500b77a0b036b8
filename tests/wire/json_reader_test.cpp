// parse_json() and the tensors in ref-core's JSON form (json_tensors.hpp): what the
// conformance suite's --model-check files are read with.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "carton/wire/json_tensors.hpp"
#include "carton/wire/json_value.hpp"

using namespace carton;
using wire::DType;
using wire::JsonError;
using wire::JsonValue;
using wire::parse_json;
using wire::Tensor;

namespace {

// The JsonError message of `f`, or "" when it does not throw.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const JsonError& e) {
    return e.what();
  }
  return "";
}

Tensor tensor(const std::string& json) { return wire::tensor_from_json(parse_json(json), "input \"x\""); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(json_value)

BOOST_AUTO_TEST_CASE(numbers_keep_their_text_and_objects_their_order) {
  const auto v = parse_json(R"( {"b": 18446744073709551615, "a": [1, 1.0, -2e3, true, null, "s\u00e9\n"]} )");
  BOOST_REQUIRE(v.kind == JsonValue::Kind::kObject);
  BOOST_REQUIRE(v.members.size() == 2u);
  BOOST_TEST(v.members[0].first == "b");
  BOOST_TEST(v.find("b")->text == "18446744073709551615");
  BOOST_TEST(v.find("b")->is_integer());
  const auto& a = v.find("a")->items;
  BOOST_REQUIRE(a.size() == 6u);
  BOOST_TEST(a[0].is_integer());
  BOOST_TEST(!a[1].is_integer());
  BOOST_TEST(a[2].text == "-2e3");
  BOOST_TEST(a[3].boolean);
  BOOST_TEST((a[4].kind == JsonValue::Kind::kNull));
  BOOST_TEST(a[5].text == "s\xc3\xa9\n");
  BOOST_TEST(v.find("c") == nullptr);
}

BOOST_AUTO_TEST_CASE(surrogate_pairs_become_one_code_point) {
  BOOST_TEST(parse_json(R"("\ud83d\ude00")").text == "\xf0\x9f\x98\x80");
  BOOST_TEST(contains(error_of([] { parse_json(R"("\ude00")"); }), "low surrogate without a high one"));
}

BOOST_AUTO_TEST_CASE(errors_say_where_and_what) {
  BOOST_TEST(error_of([] { parse_json("{\"a\": 1,\n  \"b\" 2}"); }) ==
             "line 2, column 7: expected ':' after the key \"b\", got '2'");
  BOOST_TEST(error_of([] { parse_json(R"({"a": 1, "a": 2})"); }) ==
             "line 1, column 10: the key \"a\" appears twice in one object");
  BOOST_TEST(contains(error_of([] { parse_json("[1, 2"); }), "expected ',' or ']' in an array, got the end"));
  BOOST_TEST(contains(error_of([] { parse_json("[01]"); }), "may not start with 0"));
  BOOST_TEST(contains(error_of([] { parse_json("1 2"); }), "expected the end of the document"));
  BOOST_TEST(contains(error_of([] { parse_json("NaN"); }), "expected a value"));
  BOOST_TEST(contains(error_of([] { parse_json("\"a\tb\""); }), "control character"));
}

BOOST_AUTO_TEST_CASE(non_finite_numbers_only_when_asked_for) {
  const wire::JsonOptions xgboost{/*non_finite_numbers=*/true};
  const auto v = parse_json("[NaN, -Infinity, Infinity, -1.5E-1]", xgboost);
  BOOST_REQUIRE(v.items.size() == 4u);
  BOOST_TEST(v.items[0].text == "NaN");
  BOOST_TEST(v.items[1].text == "-Infinity");
  BOOST_TEST(v.items[2].text == "Infinity");
  BOOST_TEST(v.items[3].text == "-1.5E-1");
  for (const auto& item : v.items) BOOST_TEST((item.kind == JsonValue::Kind::kNumber));
  BOOST_TEST(contains(error_of([&] { parse_json("[nan]", xgboost); }), "expected a value"));
  BOOST_TEST(contains(error_of([&] { parse_json("[-Inf]", xgboost); }), "expected digits in a number"));
  BOOST_TEST(contains(error_of([&] { parse_json("[Infinity]"); }), "expected a value"));
}

BOOST_AUTO_TEST_CASE(nesting_is_capped_before_it_exhausts_the_stack) {
  const std::string ok = std::string(wire::kMaxJsonDepth, '[') + std::string(wire::kMaxJsonDepth, ']');
  BOOST_TEST(error_of([&] { parse_json(ok); }).empty());
  const std::string deep(1 << 20, '[');
  BOOST_TEST(contains(error_of([&] { parse_json(deep); }), "deeper than the limit of 64 levels"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_tensors)

BOOST_AUTO_TEST_CASE(reads_refcore_tensors_flat_or_nested) {
  const auto t = tensor(R"({"dtype": "float32", "shape": [2, 2], "data": [[1.5, "nan"], ["-inf", 4]]})");
  BOOST_TEST((t.dtype() == DType::kFloat32));
  BOOST_TEST((t.shape() == wire::Shape{2, 2}));
  BOOST_TEST(t.value<float>(0) == 1.5f);
  BOOST_TEST(std::isnan(t.value<float>(1)));
  BOOST_TEST(t.value<float>(2) == -std::numeric_limits<float>::infinity());
  BOOST_TEST(t.value<float>(3) == 4.0f);

  const auto u = tensor(R"({"dtype": "uint64", "shape": [], "data": [18446744073709551615]})");
  BOOST_TEST(u.value<std::uint64_t>(0) == std::numeric_limits<std::uint64_t>::max());
  const auto i = tensor(R"({"dtype": "int64", "shape": [1], "data": [-9223372036854775808]})");
  BOOST_TEST(i.value<std::int64_t>(0) == std::numeric_limits<std::int64_t>::min());
  const auto s = tensor(R"({"dtype": "string", "shape": [2], "data": ["a", ""]})");
  BOOST_TEST((s.strings() == std::vector<std::string>{"a", ""}));
  const auto empty = tensor(R"({"dtype": "int8", "shape": [0, 3], "data": []})");
  BOOST_TEST(empty.storage_elements() == 0u);

  const auto all = wire::tensors_from_json(
      parse_json(R"({"a": {"dtype": "int16", "shape": [1], "data": [-2]}, "b": {"dtype": "float64", "shape": [1], "data": [0.1]}})"),
      "input");
  BOOST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all.at("a").value<std::int16_t>(0) == -2);
  BOOST_TEST(all.at("b").value<double>(0) == 0.1);
}

BOOST_AUTO_TEST_CASE(errors_name_the_tensor_the_field_and_the_value) {
  BOOST_TEST(error_of([] { tensor(R"({"dtype": "float16", "shape": [1], "data": [1]})"); }) ==
             "input \"x\": unknown dtype \"float16\"; expected one of float32, float64, string, int8, int16, int32, "
             "int64, uint8, uint16, uint32, uint64");
  BOOST_TEST(error_of([] { tensor(R"({"dtype": "int8", "shape": [2, 2], "data": [1, 2, 3]})"); }) ==
             "input \"x\": shape [2, 2] holds 4 element(s), but \"data\" has 3");
  BOOST_TEST(error_of([] { tensor(R"({"dtype": "uint8", "shape": [1], "data": [256]})"); }) ==
             "input \"x\": data[0] = 256 is outside the range of uint8");
  BOOST_TEST(error_of([] { tensor(R"({"dtype": "int32", "shape": [2], "data": [1, 2.5]})"); }) ==
             "input \"x\": data[1] = 2.5 is not an integer, as int32 needs");
  BOOST_TEST(contains(error_of([] { tensor(R"({"dtype": "float32", "shape": [1], "data": [1e39]})"); }),
                      "data[0] = 1e39 is outside the range of float32"));
  BOOST_TEST(contains(error_of([] { tensor(R"({"dtype": "float32", "shape": [1], "data": ["one"]})"); }),
                      "data[0] = \"one\" is not a number"));
  BOOST_TEST(contains(error_of([] { tensor(R"({"dtype": "string", "shape": [1], "data": [1]})"); }),
                      "data[0] = 1 is not a string"));
  BOOST_TEST(contains(error_of([] { tensor(R"({"dtype": "int8", "shape": [-1], "data": []})"); }),
                      "sizes (integers from 0 to 2^64-1), got -1"));
  BOOST_TEST(error_of([] { tensor(R"({"dtype": "int8", "shape": [1], "data": [1], "strides": [1]})"); }) ==
             "input \"x\": unknown key \"strides\"; a tensor has dtype, shape, data");
  // The caller may allow keys of its own (the model check's per-output tolerances).
  BOOST_TEST(error_of([] {
               wire::tensor_from_json(parse_json(R"({"dtype": "int8", "shape": [1], "data": [1], "atol": 0})"), "x",
                                      {"atol"});
             }).empty());
}

BOOST_AUTO_TEST_SUITE_END()
