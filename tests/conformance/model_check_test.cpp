// The model suite's file reader and comparison (conformance/suite/model_check.hpp), on
// what a runner can answer that the CLI tests' echo runner never does: strided outputs
// and layouts outside their storage.
#define BOOST_TEST_MODULE model_check
#include <boost/test/unit_test.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "suite/model_check.hpp"

using namespace carton;
using conformance::suite::compare_outputs;
using conformance::suite::ModelCheck;
using conformance::suite::read_model_check;
using wire::Tensor;

namespace {

struct CheckFile {
  std::string path;
  explicit CheckFile(const std::string& json) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "model-check-XXXXXX").string();
    const int fd = mkstemp(tmpl.data());
    BOOST_REQUIRE(fd >= 0);
    ::close(fd);
    path = tmpl;
    std::ofstream(path) << json;
  }
  ~CheckFile() { std::remove(path.c_str()); }
};

const char kSquare[] = R"({"inputs": {}, "outputs": {"y": {"dtype": "float32", "shape": [2, 2], "data": [[1, 2], [3, 4]]}}})";

}  // namespace

BOOST_AUTO_TEST_CASE(a_strided_output_is_compared_element_by_element) {
  CheckFile f(kSquare);
  const ModelCheck check = read_model_check(f.path);
  // The transpose of [[1, 3], [2, 4]] as stored: element strides (1, 2).
  wire::Map<std::string, Tensor> got{{"y", Tensor::from_values<float>({2, 2}, {1, 3, 2, 4}, wire::Shape{1, 2})}};
  BOOST_TEST(!compare_outputs(check, got).has_value());
  got.insert_or_assign("y", Tensor::from_values<float>({2, 2}, {1, 3, 2, 5}, wire::Shape{1, 2}));
  const auto diff = compare_outputs(check, got);
  BOOST_REQUIRE(diff.has_value());
  BOOST_TEST(diff->find("expected output \"y\"[1, 1] to be 4, got 5") == 0u, *diff);
}

BOOST_AUTO_TEST_CASE(an_output_whose_layout_leaves_its_storage_is_named) {
  CheckFile f(kSquare);
  const ModelCheck check = read_model_check(f.path);
  wire::Map<std::string, Tensor> got{{"y", Tensor::from_values<float>({2, 2}, {1, 2, 3}, wire::Shape{2, 1})}};
  const auto diff = compare_outputs(check, got);
  BOOST_REQUIRE(diff.has_value());
  BOOST_TEST(diff->find("expected output \"y\" with a layout inside its storage, got: ") == 0u, *diff);
}

BOOST_AUTO_TEST_CASE(runner_opts_keep_their_json_types_and_tolerances_their_defaults) {
  CheckFile f(R"({"inputs": {}, "outputs": {"y": {"dtype": "int8", "shape": [], "data": [1]},
                   "z": {"dtype": "float64", "shape": [], "data": [1], "atol": 0.5}},
                   "rtol": 0.25,
                   "runner_opts": {"n": 4, "x": 4.0, "s": "4", "b": false}})");
  const ModelCheck check = read_model_check(f.path);
  BOOST_REQUIRE(check.runner_opts.has_value());
  BOOST_TEST(std::get<wire::IntegerOpt>(check.runner_opts->at("n")).value == 4);
  BOOST_TEST(std::get<wire::DoubleOpt>(check.runner_opts->at("x")).value == 4.0);
  BOOST_TEST(std::get<wire::StringOpt>(check.runner_opts->at("s")).value == "4");
  BOOST_TEST(!std::get<wire::BooleanOpt>(check.runner_opts->at("b")).value);
  BOOST_REQUIRE(check.outputs.size() == 2u);
  BOOST_TEST(check.outputs[0].rtol == 0.25);
  BOOST_TEST(check.outputs[0].atol == conformance::suite::kDefaultAtol);
  BOOST_TEST(check.outputs[1].atol == 0.5);
}
