// Pack, a Load that replaces the model, a failed Load that keeps it, and what the
// runner logs, through the mock core.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <thread>

#include "xgboost_models.hpp"

using namespace carton;
using namespace carton::xgboost_test;
namespace stdfs = std::filesystem;

namespace {

struct PackRoot {
  PackRoot() : root(stdfs::temp_directory_path() / ("carton-xgboost-pack-" + std::to_string(::getpid()))) {
    stdfs::remove_all(root);
    stdfs::create_directories(root / "models");
    stdfs::create_directories(root / "tmp" / "pack");
    for (const char* m : {"regression_ubj", "regression_bin", "not_a_model", "empty"}) {
      stdfs::copy(Models::get().dir(m), root / "models" / m);
    }
    stdfs::copy_file(Models::get().dir("regression") / "model.json", root / "models" / "trees.json");
  }
  ~PackRoot() { stdfs::remove_all(root); }
  stdfs::path root;
};

}  // namespace

BOOST_AUTO_TEST_CASE(pack_links_a_model_file_by_its_format) {
  PackRoot r;
  mock::MockCore core(runner_options());
  const auto fs = core.serve_directory(r.root.string(), true);
  const std::pair<const char*, const char*> files[] = {{"/models/trees.json", "model.json"},
                                                       {"/models/regression_ubj/model.ubj", "model.ubj"},
                                                       {"/models/regression_bin/model.bin", "model.bin"}};
  for (const auto& [input, name] : files) {
    stdfs::remove_all(r.root / "tmp" / "pack");
    stdfs::create_directories(r.root / "tmp" / "pack");
    const auto packed = core.core().pack({fs, input, "/tmp/pack"});
    BOOST_TEST(packed.output_path == "/tmp/pack");
    BOOST_REQUIRE(stdfs::is_symlink(r.root / "tmp" / "pack" / name));
    BOOST_TEST(stdfs::read_symlink(r.root / "tmp" / "pack" / name) == r.root / stdfs::path(input).relative_path());
  }
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(pack_takes_a_folder_as_it_is_and_refuses_one_without_a_model) {
  PackRoot r;
  mock::MockCore core(runner_options());
  const auto fs = core.serve_directory(r.root.string(), true);
  BOOST_TEST(core.core().pack({fs, "/models/regression_ubj", "/tmp/pack"}).output_path == "/models/regression_ubj");
  const auto empty = error_of([&] { core.core().pack({fs, "/models/empty", "/tmp/pack"}); });
  BOOST_TEST(empty.find("Pack: no model file: /models/empty holds none of model.json, model.ubj, model.bin; name "
                        "the model file one of model.json, model.ubj, model.bin, or pack the file itself") == 0,
             empty);
  // The runner's refusal names the file itself: it is not named twice.
  for (const char* input : {"/models/not_a_model/model.bin", "/models/not_a_model"}) {
    const auto bad = error_of([&] { core.core().pack({fs, input, "/tmp/pack"}); });
    BOOST_TEST(bad.find("Pack: /models/not_a_model/model.bin (") == 0, bad);
    BOOST_TEST(bad.find("/models/not_a_model/model.bin", 1) == bad.rfind("/models/not_a_model/model.bin"), bad);
  }
  BOOST_TEST(stdfs::is_empty(r.root / "tmp" / "pack"));
}

BOOST_AUTO_TEST_CASE(a_later_load_replaces_the_model_and_a_failed_one_keeps_it) {
  mock::MockCore core(runner_options());
  load(core, "regression");
  const auto& c = Models::get().find("multiclass");
  load(core, c.model);
  check_output(infer(core, c.inputs).at("output"), c.name);
  BOOST_TEST(error_of([&] { load(core, "truncated"); }) != "(no error)");
  check_output(infer(core, c.inputs).at("output"), c.name);
}

BOOST_AUTO_TEST_CASE(the_load_is_logged) {
  mock::MockCore core(runner_options());
  load(core, "regression_ubj");
  BOOST_TEST(logged(core, "loaded model.ubj (UBJSON, "));
  BOOST_TEST(logged(core, "saved by XGBoost 1.7.4) with XGBoost 1.7.4: 8 features, 12 rounds"));
}
