// Pack, Seal and the thread options, through the mock core.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "torch_models.hpp"

using namespace carton;
using namespace carton::torch_test;
using wire::Tensor;
namespace stdfs = std::filesystem;

BOOST_AUTO_TEST_CASE(pack_links_model_pt_in_the_temp_folder) {
  const stdfs::path root = stdfs::temp_directory_path() / ("carton-torch-pack-" + std::to_string(::getpid()));
  stdfs::remove_all(root);
  stdfs::create_directories(root / "models");
  stdfs::create_directories(root / "tmp" / "pack");
  stdfs::copy_file(Models::get().dir("doubler") / "model.pt", root / "models" / "doubler.pt");

  mock::MockCore core(runner_options());
  const auto fs = core.serve_directory(root.string(), true);
  const auto packed = core.core().pack({fs, "/models/doubler.pt", "/tmp/pack"});
  BOOST_TEST(packed.output_path == "/tmp/pack");
  const auto link = root / "tmp" / "pack" / "model.pt";
  BOOST_REQUIRE(stdfs::is_symlink(link));
  // The served filesystem stores the link's target as the host path, as carton's does.
  BOOST_TEST(stdfs::read_symlink(link) == root / "models" / "doubler.pt");

  // Linking again over the existing link fails with the filesystem's reason.
  const auto fs2 = core.serve_directory(root.string(), true);
  const auto again = error_of([&] { core.core().pack({fs2, "/models/doubler.pt", "/tmp/pack"}); });
  BOOST_TEST_MESSAGE(again);
  BOOST_TEST(again.find("Pack: cannot link /tmp/pack/model.pt") != std::string::npos);
  BOOST_TEST(core.violations().empty());
  stdfs::remove_all(root);
}

BOOST_AUTO_TEST_CASE(pack_answers_a_folder_holding_model_pt_as_it_is) {
  const stdfs::path root = stdfs::temp_directory_path() / ("carton-torch-pack-dir-" + std::to_string(::getpid()));
  stdfs::remove_all(root);
  stdfs::create_directories(root / "tmp" / "pack");
  stdfs::create_directories(root / "models" / "empty");
  stdfs::copy(Models::get().dir("doubler"), root / "models" / "doubler");
  // The folder packed as if it were the file would be saved as model/model.pt/model.pt,
  // which no Load reads: a folder whose model.pt is itself a folder is refused too.
  stdfs::create_directories(root / "models" / "nested" / "model.pt");
  stdfs::copy_file(Models::get().dir("doubler") / "model.pt", root / "models" / "nested" / "model.pt" / "model.pt");

  mock::MockCore core(runner_options());
  const auto fs = core.serve_directory(root.string(), true);
  BOOST_TEST(core.core().pack({fs, "/models/doubler", "/tmp/pack"}).output_path == "/models/doubler");
  const auto empty = error_of([&] { core.core().pack({fs, "/models/empty", "/tmp/pack"}); });
  BOOST_TEST(empty.find("Pack: no model file: /models/empty holds no model.pt; name the model file model.pt, or "
                        "pack the file itself") == 0, empty);
  const auto nested = error_of([&] { core.core().pack({fs, "/models/nested", "/tmp/pack"}); });
  BOOST_TEST(nested.find("Pack: no model file: /models/nested holds no model.pt (model.pt is a directory)") == 0,
             nested);
  BOOST_TEST(stdfs::is_empty(root / "tmp" / "pack"));
  BOOST_TEST(core.violations().empty());
  stdfs::remove_all(root);
}

BOOST_AUTO_TEST_CASE(seal_handles_count_from_zero_and_are_consumed) {
  mock::MockCore core(runner_options());
  load(core, "doubler");
  std::vector<wire::SealHandle> handles;
  for (int i = 0; i < 3; ++i) {
    handles.push_back(core.core().seal({{{"x", Tensor::from_values<std::int32_t>({2}, {i, -i})}}}).handle);
    BOOST_TEST(handles.back().value == std::uint64_t(i));
  }
  // Any order; each once.
  for (int i : {2, 0, 1}) {
    const auto out = core.core().infer_with_handle({handles[i], false});
    BOOST_TEST(out.final->tensors.at("x").values<std::int32_t>() == (std::vector<std::int32_t>{2 * i, -2 * i}),
               boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(thread_options) {
  mock::MockCore core(runner_options());
  load(core, "doubler", opts({{"num_threads", wire::IntegerOpt{2}}, {"num_interop_threads", wire::IntegerOpt{3}}}));
  BOOST_TEST(logged(core, "num_threads = 2: libtorch now uses 2 intra-op threads"));
  BOOST_TEST(logged(core, "num_interop_threads = 3: libtorch now uses 3 inter-op threads"));

  // Inter-op threads are set once per process: the same count is quiet, another one is
  // a warning, and the Load still succeeds.
  load(core, "doubler", opts({{"num_interop_threads", wire::IntegerOpt{3}}}));
  load(core, "doubler", opts({{"num_threads", wire::IntegerOpt{1}}, {"num_interop_threads", wire::IntegerOpt{5}}}));
  BOOST_TEST(logged(core, "num_threads = 1: libtorch now uses 1 intra-op threads"));
  BOOST_TEST(logged(core, "num_interop_threads = 5 ignored"));

  // Only Integer options count, as in carton; other variants are ignored.
  load(core, "doubler", opts({{"num_threads", wire::StringOpt{"4"}}, {"num_interop_threads", wire::BooleanOpt{true}}}));
  BOOST_TEST(!logged(core, "num_threads = 4", std::chrono::milliseconds(200)));

  // A count libtorch cannot take is an Error naming it.
  const auto message = error_of([&] { load(core, "doubler", opts({{"num_threads", wire::IntegerOpt{0}}})); });
  BOOST_TEST(message.find("num_threads = 0") != std::string::npos);
  BOOST_TEST(infer(core, {{"x", Tensor::from_values<float>({1}, {1})}}).at("x").value<float>(0) == 2.0f);
  BOOST_TEST(core.violations().empty());
}
