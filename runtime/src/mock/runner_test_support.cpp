#include "carton/mock/runner_test_support.hpp"

#include <stdlib.h>

#include <cerrno>
#include <fstream>
#include <system_error>
#include <thread>

namespace carton::mock::testing {

namespace fs = std::filesystem;

RunnerOpts opts(std::initializer_list<std::pair<const char*, wire::RunnerOpt>> list) {
  RunnerOpts out;
  for (const auto& [k, v] : list) out.insert_or_assign(k, v);
  return out;
}

wire::LoadRequest load_request(wire::FsToken fs, std::string runner_name, std::optional<RunnerOpts> runner_opts) {
  wire::LoadRequest load;
  load.fs = fs;
  load.runner_name = std::move(runner_name);
  load.required_framework_version = "*";
  load.runner_compat_version = 1;
  load.runner_opts = std::move(runner_opts);
  load.visible_device = wire::CpuDevice{};
  return load;
}

void load(MockCore& core, const std::string& dir, std::string runner_name, std::optional<RunnerOpts> runner_opts) {
  core.core().load(load_request(core.serve_directory(dir, /*writable=*/false), std::move(runner_name),
                                std::move(runner_opts)));
}

Tensors infer(MockCore& core, Tensors inputs) {
  auto result = core.core().infer_with_tensors({std::move(inputs), /*streaming=*/false});
  if (!result.final) throw ExpectationFailed("InferWithTensors: the runner's reply ended without a response");
  return std::move(result.final->tensors);
}

const wire::Tensor& output(const Tensors& outputs, const std::string& name) {
  const auto it = outputs.find(name);
  if (it != outputs.end()) return it->second;
  std::string names;
  for (const auto& [n, t] : outputs) names += (names.empty() ? "'" : ", '") + n + "'";
  throw ExpectationFailed("no output named '" + name + "'; the outputs are " + (names.empty() ? "none" : names));
}

bool logged(MockCore& core, const std::string& part, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  do {
    for (const auto& r : core.logs()) {
      if (r.args.find(part) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

ModelFolder::ModelFolder(const std::string& label)
    : path_((fs::temp_directory_path() / (label + "-XXXXXX")).string()) {
  if (mkdtemp(path_.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "ModelFolder: mkdtemp " + path_);
  }
}

ModelFolder::~ModelFolder() {
  std::error_code ignored;  // a test that failed midway must not throw from here
  fs::remove_all(path_, ignored);
}

ModelFolder& ModelFolder::write(const std::string& relative, std::string_view contents) {
  const fs::path file = fs::path(path_) / relative;
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(contents.data(), std::streamsize(contents.size()));
  if (!out.flush()) throw std::runtime_error("ModelFolder: cannot write " + file.string());
  return *this;
}

ModelFolder& ModelFolder::copy(const std::string& relative, const fs::path& from) {
  const fs::path file = fs::path(path_) / relative;
  fs::create_directories(file.parent_path());
  fs::copy_file(from, file, fs::copy_options::overwrite_existing);
  return *this;
}

}  // namespace carton::mock::testing
