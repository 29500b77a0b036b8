// InferQueue: ModelHandler's infers under an InferPolicy: at most `instances` runs at
// once, and concurrent requests merged along dimension 0 (batch_rows.hpp).
//
// No thread of its own, and no timer at delay 0: a request that finds an instance free
// and no other request read with it runs at once on its handler thread (as it would
// without a queue: no hand-off, no wake-up). Requests read together (one read of the
// socket brings all that the core sent meanwhile) are queued, and one run, submitted
// as a handler behind them (runtime::HandlerScope::run_after_pending), takes them all;
// a run keeps taking what is queued until the queue is empty. A request that finds
// every instance busy is queued and its handler returns at once. So batches form
// exactly when requests arrive faster than they are run, as in Triton's dynamic
// batcher with no queue delay, and a lone request pays nothing for it.
//
// With a queue delay, a run hands the sockets to another handler thread
// (runtime::HandlerScope::will_block) before it waits for its batch to fill, so that
// requests keep being read while it waits.
//
// Failures stay with the request that caused them: ModelHandler checks a request
// before it is queued, so an invalid one is answered alone at once; a merged run that
// throws, or whose outputs do not split into rows, is run again request by request, so
// only the bad one gets the Error.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "carton/runner/batch_rows.hpp"
#include "carton/runner/infer_policy.hpp"
#include "carton/runner/runner_handler.hpp"

namespace carton::runner {

class InferQueue {
 public:
  // One run of the framework on `model` (a ModelHandler's Model); throws its Error.
  using Run = std::function<Tensors(const void* model, Tensors inputs)>;

  struct Request {
    Tensors inputs;
    InferResponder responder;
    // The model the request was admitted with: only requests of one model merge, and a
    // Load meanwhile does not change what a queued request runs on.
    std::shared_ptr<const void> model;
    std::optional<RowSignature> signature;  // nullopt: runs alone
  };

  explicit InferQueue(Run run) : run_(std::move(run)) {}
  InferQueue(const InferQueue&) = delete;
  InferQueue& operator=(const InferQueue&) = delete;

  // Runs `request` now, or queues it for a run in progress (see above). Returns when
  // this thread has run everything it took on.
  void submit(Request request, const InferPolicy& policy);
  // Runs `request` now on this thread, alone, whatever else runs (ModelHandler's
  // runs_at_once), and answers it, in a burst (Responder::respond_in_burst): the run
  // is as cheap as a reply.
  // Its thread may stay on its CPU while it runs such requests (cpu_pin.hpp).
  void run_now(Request request) { run_alone(request, /*in_burst=*/true); }

 private:
  struct Queued {
    Request request;
    std::chrono::steady_clock::time_point arrived;
  };
  // Runs what is queued until nothing is; one run of the policy's instances.
  void drain(const InferPolicy& policy);
  // Takes the first request and what merges with it (under mu_).
  std::deque<Queued> take_batch(const InferPolicy& policy);
  // Waits, mu_ held, until what merges with the first request fills a batch or its
  // delay is over.
  void wait_for_batch(std::unique_lock<std::mutex>& lock, const InferPolicy& policy);
  void run_batch(std::deque<Queued> batch);
  // `in_burst`: the reply may wait for a burst's (Responder::respond_in_burst).
  void run_alone(Request& request, bool in_burst = false);

  const Run run_;
  std::mutex mu_;
  std::condition_variable arrived_;  // only runs waiting out a delay wait on it
  std::deque<Queued> queue_;
  std::size_t running_ = 0;  // runs in progress or scheduled
  std::size_t started_ = 0;  // runs in progress
};

}  // namespace carton::runner
