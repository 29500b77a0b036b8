// carton-runner-file: a small runner that uses the filesystems the core serves. Load
// reads model.txt from the model directory (the read-only filesystem), Infer answers
// what it read as a string tensor, and Pack writes packed.txt into temp_folder (the
// read-write filesystem) and answers temp_folder as the packed model.
#include <mutex>

#include "carton/fs/file_system.hpp"
#include "carton/runner/run.hpp"

namespace {

class FileRunner : public carton::runner::RunnerHandler {
 public:
  void on_load(carton::wire::LoadRequest req, carton::runner::LoadResponder r) override {
    auto fs = context().filesystem(req.fs, /*writable=*/false);
    std::string text = fs->read_to_string("model.txt");
    std::lock_guard<std::mutex> lock(mu_);
    model_ = std::move(text);
    r.respond({});
  }
  void on_pack(carton::wire::PackRequest req, carton::runner::PackResponder r) override {
    auto fs = context().filesystem(req.fs, /*writable=*/true);
    fs->write(req.temp_folder + "/packed.txt", std::string_view("packed from " + req.input_path));
    r.respond({req.temp_folder});
  }
  void on_infer_with_tensors(carton::wire::InferWithTensorsRequest, carton::runner::InferResponder r) override {
    std::lock_guard<std::mutex> lock(mu_);
    carton::wire::InferResponse out;
    out.tensors.insert_or_assign("model", carton::wire::Tensor::from_strings({}, {model_}));
    r.respond(std::move(out));
  }

 private:
  std::mutex mu_;
  std::string model_;
};

}  // namespace

int main(int argc, char** argv) {
  FileRunner runner;
  return carton::runner::run(argc, argv, runner, {"carton-runner-file", "0.1.0"});
}
