// ModelHandler<Model>: the RunnerHandler of a framework runner that serves one model
// at a time, so that each runner writes only what is its framework's: how a model is
// loaded, what Pack checks, and how one infer runs. What every such runner does alike
// lives here, once:
//
// The two members a framework runner meets are named so that no framework's own API
// shadows them (a liblinear runner calls liblinear's load_model and model inside its
// handler): load_served_model() and served_model().
//
//   Load      load_served_model(); on success the new model replaces the old one, a failed
//             Load keeps the old one. The reply is "Load: " + the exception's message.
//             read_model_file() reads a file of the served model directory; ModelPath
//             gives its bytes a path for a loader that only takes one.
//   Pack      pack_file_name() checks input_path (throw to refuse it) and names the
//             file the packed model holds it under; <temp_folder>/<name> becomes a link
//             to input_path and the reply is temp_folder, as carton's TorchScript
//             runner answers. An empty name says input_path is a folder to pack as it
//             is: the reply is input_path, as carton's Python runner answers.
//   Seal      the tensors are kept under handles 0, 1, 2, ... (SealStore).
//   Infer     infer() on the model of the moment; InferWithHandle consumes its handle
//             whatever the outcome, as carton does. One complete reply even when the
//             core asks to stream, as carton's runners answer.
//
// Concurrency: handlers run on several threads at once. The model is a shared_ptr
// swapped under a mutex, so an infer keeps the model it started with even if a Load
// replaces it meanwhile; infer() itself must be safe to call concurrently.
#pragma once

#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include "carton/runner/runner_handler.hpp"
#include "carton/runner/seal_store.hpp"
#include "carton/wire/bytes.hpp"

namespace carton::runner {

namespace detail {
// Links <temp_folder>/<name> to input_path on Pack's writable filesystem; throws
// naming both paths.
void link_packed_file(RunnerContext& context, const wire::PackRequest& request, const std::string& name);
// The Error an infer gets before any Load succeeded.
std::string no_model_message(const std::string& load_hint);
}  // namespace detail

// Reads the file `path` (relative to the served root) whole from the filesystem the
// core serves as `fs`: a Load's request.fs, read-only (writable false), or a Pack's,
// writable. One read; throws std::runtime_error "cannot read <path>: <why>", which a
// load_served_model() may let through: the Error becomes "Load: cannot read ...".
// For a framework that loads only from a path, hand the bytes to ModelPath
// (carton/runner/model_path.hpp).
wire::Bytes read_model_file(RunnerContext& context, wire::FsToken fs, bool writable, const std::string& path);

template <class Model>
class ModelHandler : public RunnerHandler {
 public:
  using Tensors = wire::Map<std::string, wire::Tensor>;

  void on_load(wire::LoadRequest request, LoadResponder responder) override {
    std::shared_ptr<const Model> loaded;
    try {
      loaded = load_served_model(request);
    } catch (const std::exception& e) {
      return responder.fail(std::string("Load: ") + e.what());
    }
    {
      std::lock_guard<std::mutex> lock(model_mu_);
      model_ = std::move(loaded);
    }
    responder.respond({});
  }

  void on_pack(wire::PackRequest request, PackResponder responder) override {
    std::string name;
    try {
      name = pack_file_name(request);
    } catch (const std::exception& e) {
      return responder.fail("Pack: " + request.input_path + " is not a model this runner loads: " + e.what());
    }
    if (name.empty()) return responder.respond(wire::PackResponse{std::move(request.input_path)});
    try {
      detail::link_packed_file(context(), request, name);
    } catch (const std::exception& e) {
      return responder.fail(std::string("Pack: ") + e.what());
    }
    responder.respond(wire::PackResponse{std::move(request.temp_folder)});
  }

  void on_seal(wire::SealRequest request, SealResponder responder) final {
    responder.respond(wire::SealResponse{sealed_.put(std::move(request.tensors))});
  }

  void on_infer_with_tensors(wire::InferWithTensorsRequest request, InferResponder responder) final {
    run_infer(std::move(request.tensors), responder);
  }

  void on_infer_with_handle(wire::InferWithHandleRequest request, InferResponder responder) final {
    auto tensors = sealed_.take(request.handle);
    if (!tensors) return responder.fail("InferWithHandle: " + SealStore::unknown_handle_message(request.handle));
    run_infer(std::move(*tensors), responder);
  }

 protected:
  // `load_hint` completes the Error of an infer before any Load: "send Load with
  // <load_hint> first", e.g. "a model directory holding model.pt".
  explicit ModelHandler(std::string load_hint) : load_hint_(std::move(load_hint)) {}

  // Reads, checks and builds the model Load names; throws with the reason to refuse it.
  virtual std::shared_ptr<const Model> load_served_model(const wire::LoadRequest& request) = 0;
  // Checks that Pack's input_path is a model this runner loads (throws if not) and
  // returns the file name the packed model holds it under, or "" to pack input_path
  // (a folder) as it is. The Error already names input_path, so throw with the reason
  // alone: throw std::runtime_error("it holds no model.pt") answers "Pack: <input_path>
  // is not a model this runner loads: it holds no model.pt".
  virtual std::string pack_file_name(const wire::PackRequest& request) = 0;
  // One infer; throws with the reason to refuse it. Called on several threads at once.
  virtual Tensors infer(const Model& model, Tensors inputs) = 0;

  // The model of the moment (null before the first successful Load).
  std::shared_ptr<const Model> served_model() const {
    std::lock_guard<std::mutex> lock(model_mu_);
    return model_;
  }

 private:
  void run_infer(Tensors inputs, InferResponder& responder) {
    const auto model = served_model();
    if (!model) return responder.fail(detail::no_model_message(load_hint_));
    Tensors outputs;
    try {
      outputs = infer(*model, std::move(inputs));
    } catch (const std::exception& e) {
      return responder.fail(std::string("Infer: ") + e.what());
    }
    responder.respond(wire::InferResponse{std::move(outputs)});
  }

  const std::string load_hint_;
  mutable std::mutex model_mu_;
  std::shared_ptr<const Model> model_;
  SealStore sealed_;
};

}  // namespace carton::runner
