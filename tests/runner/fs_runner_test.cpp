// A runner reads its model through the read-only filesystem the mock core serves for
// Load, and writes through the read-write one served for Pack.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "carton/mock/mock_core.hpp"

using namespace carton;
namespace stdfs = std::filesystem;

BOOST_AUTO_TEST_CASE(load_reads_and_pack_writes_through_the_served_filesystems) {
  const stdfs::path root = stdfs::temp_directory_path() / ("carton-fs-runner-" + std::to_string(::getpid()));
  stdfs::remove_all(root);
  stdfs::create_directories(root / "model");
  stdfs::create_directories(root / "sandbox" / "tmp");
  std::ofstream(root / "model" / "model.txt") << "weights v1";

  mock::MockCoreOptions o;
  o.runner_path = CARTON_FILE_RUNNER;
  mock::MockCore core(o);
  const auto load_fs = core.serve_directory((root / "model").string(), false);
  core.core().load({load_fs, "file", "*", 1, std::nullopt, wire::CpuDevice{}, std::nullopt});
  const auto out = core.core().infer_with_tensors({});
  BOOST_TEST(out.final->tensors.at("model").strings().at(0) == "weights v1");

  // The mock core serves a sandbox, not the host; paths inside it look absolute.
  const auto pack_fs = core.serve_directory((root / "sandbox").string(), true);
  BOOST_TEST(pack_fs.value == load_fs.value + 1);
  BOOST_TEST(core.core().pack({pack_fs, "/model", "/tmp"}).output_path == "/tmp");
  std::ifstream packed(root / "sandbox" / "tmp" / "packed.txt");
  std::string text((std::istreambuf_iterator<char>(packed)), std::istreambuf_iterator<char>());
  BOOST_TEST(text == "packed from /model");

  // A missing model is an Error response carrying the IoError, not a crash.
  stdfs::remove(root / "model" / "model.txt");
  BOOST_CHECK_THROW(core.core().load({load_fs, "file", "*", 1, std::nullopt, wire::CpuDevice{}, std::nullopt}),
                    mock::RunnerError);
  core.close_and_wait(std::chrono::milliseconds(5000));
  stdfs::remove_all(root);
}
