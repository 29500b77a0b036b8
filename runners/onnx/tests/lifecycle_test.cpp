// Pack, a Load that replaces the model, a failed Load that keeps it, and the options
// the runner logs, through the mock core.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <thread>

#include "onnx_models.hpp"

using namespace carton;
using namespace carton::onnx_test;
namespace stdfs = std::filesystem;

BOOST_AUTO_TEST_CASE(pack_checks_the_model_then_links_model_onnx) {
  const stdfs::path root = stdfs::temp_directory_path() / ("carton-onnx-pack-" + std::to_string(::getpid()));
  stdfs::remove_all(root);
  stdfs::create_directories(root / "models");
  stdfs::create_directories(root / "tmp" / "pack");
  stdfs::copy_file(Models::get().dir("mlp") / "model.onnx", root / "models" / "mlp.onnx");
  stdfs::copy_file(Models::get().dir("unsupported_op") / "model.onnx", root / "models" / "mod.onnx");
  stdfs::copy(Models::get().dir("mlp"), root / "models" / "mlp");
  stdfs::create_directories(root / "models" / "empty");

  mock::MockCore core(runner_options());
  const auto refused = error_of([&] {
    core.core().pack({core.serve_directory(root.string(), true), "/models/mod.onnx", "/tmp/pack"});
  });
  BOOST_TEST(refused.find("Pack: /models/mod.onnx is not a model this runner loads") != std::string::npos, refused);
  BOOST_TEST(!stdfs::exists(root / "tmp" / "pack" / "model.onnx"));

  const auto packed = core.core().pack({core.serve_directory(root.string(), true), "/models/mlp.onnx", "/tmp/pack"});
  BOOST_TEST(packed.output_path == "/tmp/pack");
  BOOST_REQUIRE(stdfs::is_symlink(root / "tmp" / "pack" / "model.onnx"));
  BOOST_TEST(stdfs::read_symlink(root / "tmp" / "pack" / "model.onnx") == root / "models" / "mlp.onnx");

  // A folder holding model.onnx is checked the same way and packed as it is; one
  // without it is refused, since Load would find no model in it.
  stdfs::remove(root / "tmp" / "pack" / "model.onnx");
  const auto fs = core.serve_directory(root.string(), true);
  BOOST_TEST(core.core().pack({fs, "/models/mlp", "/tmp/pack"}).output_path == "/models/mlp");
  const auto empty = error_of([&] { core.core().pack({fs, "/models/empty", "/tmp/pack"}); });
  BOOST_TEST(empty.find("Pack: no model file: /models/empty holds no model.onnx; name the model file model.onnx, "
                        "or pack the file itself") == 0, empty);
  BOOST_TEST(stdfs::is_empty(root / "tmp" / "pack"));
  BOOST_TEST(core.violations().empty());
  stdfs::remove_all(root);
}

BOOST_AUTO_TEST_CASE(a_later_load_replaces_the_model_and_a_failed_one_keeps_it) {
  mock::MockCore core(runner_options());
  load(core, "mlp");
  load(core, "two_io");
  const auto out = infer(core, inputs_of("two_io", 1, {"left", "right"}));
  check_close(out.at("sum"), "two_io.b1.sum.out");
  BOOST_TEST(error_of([&] { load(core, "truncated"); }) != "(no error)");
  check_close(infer(core, inputs_of("two_io", 1, {"left", "right"})).at("gate"), "two_io.b1.gate.out");
}

BOOST_AUTO_TEST_CASE(options_are_logged) {
  mock::MockCore core(runner_options());
  load(core, "mlp", opts({{"num_threads", wire::IntegerOpt{2}}, {"networks", wire::IntegerOpt{3}}}));
  BOOST_TEST(logged(core, "num_threads = 2: OpenCV now uses 2 threads"));
  BOOST_TEST(logged(core, "with OpenCV 4.6.0, 3 network(s)"));
}
