// The runner test helpers of carton/mock/runner_test_support.hpp that need no runner:
// what they report when an expectation fails, and the model folder's lifetime. The
// ones that drive a runner are exercised by the framework runners' tests and, from
// outside the tree, by examples/path_loader (sdk.path_loader).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>

#include "carton/mock/runner_test_support.hpp"

using namespace carton;
namespace mt = carton::mock::testing;

namespace {

std::string failure_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mt::ExpectationFailed& e) {
    return e.what();
  }
  return "(none)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_testing)

BOOST_AUTO_TEST_CASE(expect_error_says_what_happened_instead) {
  const auto refuse = [] { throw mock::RunnerError("Load: cannot read model.txt: no such file"); };
  BOOST_TEST(mt::expect_error(refuse, "model.txt") == "Load: cannot read model.txt: no such file");
  BOOST_TEST(failure_of([&] { mt::expect_error(refuse, "weights.bin"); }) ==
             "expected an Error containing 'weights.bin', got 'Load: cannot read model.txt: no such file'");
  BOOST_TEST(failure_of([] { mt::expect_error([] {}, "model.txt"); }) ==
             "expected an Error containing 'model.txt', but the call succeeded");
  // A broken protocol is not an Error reply: it is not swallowed.
  BOOST_CHECK_THROW(mt::error_of([] { throw mock::ProtocolError("unknown id"); }), mock::ProtocolError);
}

BOOST_AUTO_TEST_CASE(output_names_the_outputs_there_are) {
  mt::Tensors out;
  out.insert_or_assign("scores", wire::Tensor::from_values<float>({1}, {0.5f}));
  out.insert_or_assign("label", wire::Tensor::from_values<std::int64_t>({1}, {1}));
  BOOST_TEST(mt::output(out, "scores").value<float>(0) == 0.5f);
  BOOST_TEST(failure_of([&] { mt::output(out, "probabilities"); }) ==
             "no output named 'probabilities'; the outputs are 'scores', 'label'");
  BOOST_TEST(failure_of([] { mt::output({}, "y"); }) == "no output named 'y'; the outputs are none");
}

BOOST_AUTO_TEST_CASE(a_model_folder_holds_what_was_written_until_it_goes) {
  std::string path;
  {
    mt::ModelFolder folder("runner-api-test");
    path = folder.path();
    folder.write("model.txt", "w 1 2\n").write("sub/vocab.txt", "a\nb\n");
    std::ifstream in(path + "/sub/vocab.txt");
    BOOST_TEST(std::string(std::istreambuf_iterator<char>(in), {}) == "a\nb\n");
    folder.copy("copy.txt", path + "/model.txt");
    BOOST_TEST(std::filesystem::file_size(path + "/copy.txt") == 6u);
  }
  BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_CASE(opts_and_load_request_are_what_the_core_sends) {
  const auto o = mt::opts({{"nthread", wire::IntegerOpt{2}}, {"file", wire::StringOpt{"m.txt"}}});
  BOOST_TEST(o.size() == 2u);
  const auto load = mt::load_request(wire::FsToken{7}, "acme/linear", o);
  BOOST_TEST(load.runner_name == "acme/linear");
  BOOST_TEST(load.required_framework_version == "*");
  BOOST_TEST(load.fs.value == 7u);
  BOOST_TEST(load.runner_opts.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
