// Every case where carton's Rust runner panics (and its core then hangs) gets an Error
// that says what and why, and the runner keeps serving.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "torch_models.hpp"

using namespace carton;
using namespace carton::torch_test;
using wire::Tensor;
namespace stdfs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Still serving: a good infer after the error.
void check_still_serving(mock::MockCore& core) {
  const auto out = infer(core, {{"x", Tensor::from_values<float>({2}, {1.5f, -2})}});
  BOOST_TEST(out.at("x").values<float>() == (std::vector<float>{3.0f, -4.0f}), boost::test_tools::per_element());
  BOOST_TEST(core.violations().empty());
}

std::string infer_error(mock::MockCore& core, wire::Map<std::string, Tensor> inputs) {
  return error_of([&] { core.core().infer_with_tensors({std::move(inputs), false}); });
}

// A model directory outside the generated ones, removed with the test.
struct TempModelDir {
  stdfs::path path = stdfs::temp_directory_path() / ("carton-torch-bad-" + std::to_string(::getpid()));
  TempModelDir() { stdfs::create_directories(path); }
  ~TempModelDir() { stdfs::remove_all(path); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(infer_before_load) {
  mock::MockCore core(runner_options());
  const wire::Map<std::string, Tensor> x{{"x", Tensor::from_values<float>({1}, {1})}};
  BOOST_TEST(contains(infer_error(core, x), "no model loaded"));
  // The handle is consumed even so, as in carton: sealed tensors never pile up.
  const auto handle = core.core().seal({x}).handle;
  BOOST_TEST(contains(error_of([&] { core.core().infer_with_handle({handle, false}); }), "no model loaded"));
  load(core, "doubler");
  BOOST_TEST(contains(error_of([&] { core.core().infer_with_handle({handle, false}); }), "unknown seal handle"));
  check_still_serving(core);
}

BOOST_AUTO_TEST_CASE(missing_and_invalid_model_files) {
  mock::MockCore core(runner_options());
  TempModelDir dir;
  auto fs = core.serve_directory(dir.path.string(), false);
  const auto missing = error_of([&] { core.core().load(load_request(fs)); });
  BOOST_TEST_MESSAGE("missing model.pt: " << missing);
  BOOST_TEST(contains(missing, "Load: no model file: the model directory holds no model.pt"), missing);

  std::ofstream(dir.path / "model.pt") << "this is not a TorchScript archive";
  fs = core.serve_directory(dir.path.string(), false);
  const auto invalid = error_of([&] { core.core().load(load_request(fs)); });
  BOOST_TEST_MESSAGE("invalid model.pt: " << invalid);
  BOOST_TEST(contains(invalid, "not a TorchScript model"));

  // A failed Load keeps the model loaded before it.
  load(core, "doubler");
  fs = core.serve_directory(dir.path.string(), false);
  BOOST_CHECK_THROW(core.core().load(load_request(fs)), mock::RunnerError);
  check_still_serving(core);
}

BOOST_AUTO_TEST_CASE(unsupported_inputs) {
  mock::MockCore core(runner_options());
  load(core, "doubler");
  struct Bad {
    Tensor tensor;
    std::string says;
  };
  const std::vector<Bad> bad = {
      {Tensor::from_values<std::uint16_t>({1}, {1}), "uint16"},
      {Tensor::from_values<std::uint32_t>({1}, {1}), "uint32"},
      {Tensor::from_values<std::uint64_t>({1}, {1}), "uint64"},
      {Tensor::nested({Tensor::from_values<float>({1}, {1})}), "nested"},
      {Tensor::from_strings({2, 2}, {"a", "b", "c", "d"}), "2 dimensions"},
      // The model takes Dict[str, Tensor]; a str does not fit.
      {Tensor::from_strings({}, {"a"}), "Dict[str, Tensor]"},
      // Shapes and strides that would read past the stored elements.
      {Tensor::from_values<float>({4}, {1, 2}), "reads past"},
      {Tensor::from_values<float>({2, 2}, {1, 2, 3, 4}, wire::Shape{3, 1}), "reads past"},
      {Tensor::from_values<float>({2, 2}, {1, 2, 3, 4}, wire::Shape{1}), "strides"},
      {Tensor::from_strings({3}, {"a", "b", "c"}, wire::Shape{2}), "reads past"},
      {Tensor::from_strings({}, {}), "no stored string"},
  };
  for (const auto& b : bad) {
    const auto message = infer_error(core, {{"x", Tensor::from_values<float>({1}, {1})}, {"bad", b.tensor}});
    BOOST_TEST_CONTEXT(b.says << ": " << message) {
      BOOST_TEST(contains(message, "input 'bad'"));
      BOOST_TEST(contains(message, b.says));
    }
  }
  check_still_serving(core);
}

BOOST_AUTO_TEST_CASE(a_model_that_throws) {
  mock::MockCore core(runner_options());
  load(core, "throws");
  const auto message = infer_error(core, {{"x", Tensor::from_values<float>({1}, {1})}});
  BOOST_TEST_MESSAGE(message);
  BOOST_TEST(contains(message, "forward() failed"));
  BOOST_TEST(contains(message, "deliberate failure in forward"));
  load(core, "doubler");
  check_still_serving(core);
}

BOOST_AUTO_TEST_CASE(outputs_carton_cannot_carry) {
  const std::vector<std::pair<std::string, std::string>> models = {
      {"bool_output", "output 'mask': a Bool tensor"},
      {"not_a_dict", "not a dict"},
      {"int_output", "output 'n': a value of type int"},
      {"int_keys", "int keys"},
  };
  mock::MockCore core(runner_options());
  for (const auto& [model, says] : models) {
    load(core, model);
    const auto message = infer_error(core, {{"x", Tensor::from_values<float>({1}, {1})}});
    BOOST_TEST_CONTEXT(model << ": " << message) { BOOST_TEST(contains(message, says)); }
  }
  load(core, "doubler");
  check_still_serving(core);
}

BOOST_AUTO_TEST_CASE(unknown_and_used_seal_handles) {
  mock::MockCore core(runner_options());
  load(core, "doubler");
  BOOST_TEST(contains(error_of([&] { core.core().infer_with_handle({{77}, false}); }), "unknown seal handle 77"));
  const auto handle = core.core().seal({{{"x", Tensor::from_values<float>({1}, {4})}}}).handle;
  BOOST_TEST(core.core().infer_with_handle({handle, false}).final->tensors.at("x").value<float>(0) == 8.0f);
  BOOST_TEST(contains(error_of([&] { core.core().infer_with_handle({handle, false}); }), "already used"));
  check_still_serving(core);
}
