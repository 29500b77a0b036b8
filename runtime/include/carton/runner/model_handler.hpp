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
//   Pack      input_path is a model file or a folder holding one, told apart through
//             Pack's filesystem. A folder must hold one of model_files (the names
//             Load looks for, find_model_file) and is packed as it is: the reply is
//             input_path, as carton's Python runner answers. A file is linked as
//             <temp_folder>/<name> and the reply is temp_folder, as carton's
//             TorchScript runner answers. Either way pack_file_name() first checks
//             the model file (throw to refuse it) and names the one of model_files a
//             file is linked under; then what Pack produced is looked at as Load will
//             look at it (find_model_file on the answered folder must find that
//             file), so that carton never saves a .carton its own Load refuses.
//   Seal      the tensors are kept under handles 0, 1, 2, ... (SealStore).
//   Infer     infer() on the model of the moment; InferWithHandle consumes its handle
//             whatever the outcome, as carton does. One complete reply even when the
//             core asks to stream, as carton's runners answer.
//
// Concurrency: handlers run on several threads at once. The model is a shared_ptr
// swapped under a mutex, so an infer keeps the model it started with even if a Load
// replaces it meanwhile. infer_policy() declares, per model, how many infer()s may run
// at once (serialized, N instances, or any number) and whether concurrent requests are
// merged into one infer() along dimension 0 (dynamic batching); InferQueue
// (infer_queue.hpp) runs them so. The default is today's: any number, no merging.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "carton/runner/batch_rows.hpp"
#include "carton/runner/cpu_pin.hpp"
#include "carton/runner/infer_policy.hpp"
#include "carton/runner/infer_queue.hpp"
#include "carton/runner/model_file.hpp"
#include "carton/runner/runner_handler.hpp"
#include "carton/runner/seal_store.hpp"
#include "carton/wire/bytes.hpp"

namespace carton::runner {

namespace detail {
// Checks the model file a file is linked under, or a folder's model file, and names
// the one of model_files a file is linked under (ModelHandler::pack_file_name).
using PackCheck = std::function<std::string(const std::string& file)>;
// Pack as the comment above says; returns the output path or throws with the Error's
// text after "Pack: ".
std::string pack_model(RunnerContext& context, const wire::PackRequest& request,
                       const std::vector<std::string>& model_files, const PackCheck& check);
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
    CpuPin::release();  // a framework may make its threads here: never on one CPU
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
    CpuPin::release();
    std::string output_path;
    try {
      output_path = detail::pack_model(context(), request, model_files_,
                                       [&](const std::string& file) { return pack_file_name(request, file); });
    } catch (const std::exception& e) {
      return responder.fail(std::string("Pack: ") + e.what());
    }
    responder.respond(wire::PackResponse{std::move(output_path)});
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
  // <load_hint> first", e.g. "a model directory holding model.pt". `model_files` are
  // the names Load looks for in the model directory, in order (find_model_file()
  // below); a packed model holds its file under one of them.
  ModelHandler(std::string load_hint, std::vector<std::string> model_files)
      : load_hint_(std::move(load_hint)),
        model_files_(std::move(model_files)),
        queue_([this](const void* model, Tensors inputs) {
          return infer(*static_cast<const Model*>(model), std::move(inputs));
        }) {}

  // Reads, checks and builds the model Load names; throws with the reason to refuse it.
  virtual std::shared_ptr<const Model> load_served_model(const wire::LoadRequest& request) = 0;
  // Checks `file` on Pack's filesystem (request.fs): input_path itself, or the model
  // file find_model_file found in the folder input_path. Throws if it is not a model
  // this runner loads; an exception that does not name `file` gets it named before it.
  // Returns which of model_files a file is linked under (unused for a folder, which
  // is packed as it is).
  virtual std::string pack_file_name(const wire::PackRequest& request, const std::string& file) = 0;
  // One infer; throws with the reason to refuse it. Called on as many threads at once
  // as infer_policy(model).instances allows. When the policy merges, `inputs` may be
  // several requests' tensors stacked along dimension 0 (batch_rows.hpp), and each
  // output whose first dimension is the total rows goes back cut into the requests'
  // rows; any other output, or an exception, reruns the requests one by one.
  virtual Tensors infer(const Model& model, Tensors inputs) = 0;
  // How `model`'s infers run (infer_policy.hpp); called once per request, so cheap.
  virtual InferPolicy infer_policy(const Model& /*model*/) const { return {}; }
  // Called when the policy merges, before a request may join others: throws what
  // infer() would throw for `inputs` (the request then gets that Error alone, at once),
  // and says whether it may be merged at all (false: it runs alone).
  virtual bool mergeable(const Model& /*model*/, const Tensors& /*inputs*/) const { return true; }
  // Whether this request runs at once on the thread that read it, outside the policy (no
  // instance limit, no merging). For requests whose run is as cheap as a reply and safe
  // on several threads at once (the XGBoost runner's walked rows, a microsecond or two):
  // merging would save nothing, and a run queued behind the requests read with it, to
  // merge them, answers the first only after all of them are decoded. Called before the
  // policy's checks; infer() then throws what is wrong with the request.
  virtual bool runs_at_once(const Model& /*model*/, const Tensors& /*inputs*/) const { return false; }

  // For Load: the first of model_files in the model directory of `fs` (runner::find_model_file),
  // `hint` added to its Error (e.g. "the runner option model_file names another").
  std::string find_model_file(wire::FsToken fs, bool writable, const std::string& hint = {}) {
    return runner::find_model_file(context(), fs, writable, "", model_files_, hint);
  }
  const std::vector<std::string>& model_files() const { return model_files_; }

  // The model of the moment (null before the first successful Load).
  std::shared_ptr<const Model> served_model() const {
    std::lock_guard<std::mutex> lock(model_mu_);
    return model_;
  }

 private:
  void run_infer(Tensors inputs, InferResponder& responder) {
    auto model = served_model();
    if (!model) return responder.fail(detail::no_model_message(load_hint_));
    if (runs_at_once(*model, inputs)) {
      return queue_.run_now({std::move(inputs), std::move(responder), std::move(model), std::nullopt});
    }
    CpuPin::release();  // the framework's own run, on this thread or another
    const InferPolicy policy = infer_policy(*model);
    std::optional<RowSignature> signature;
    if (policy.merges()) {
      try {
        if (mergeable(*model, inputs)) signature = row_signature(inputs);
      } catch (const std::exception& e) {
        return responder.fail(std::string("Infer: ") + e.what());
      }
    }
    queue_.submit({std::move(inputs), std::move(responder), std::move(model), std::move(signature)}, policy);
  }

  const std::string load_hint_;
  const std::vector<std::string> model_files_;
  mutable std::mutex model_mu_;
  std::shared_ptr<const Model> model_;
  SealStore sealed_;
  InferQueue queue_;
};

}  // namespace carton::runner
