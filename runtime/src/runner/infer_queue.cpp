#include "carton/runner/infer_queue.hpp"

#include <exception>
#include <vector>

#include "carton/runner/cpu_pin.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "held_replies.hpp"

namespace carton::runner {

namespace {

bool joins(const InferQueue::Request& first, const InferQueue::Request& other) {
  return other.signature && other.model == first.model && other.signature->key == first.signature->key;
}

}  // namespace

void InferQueue::submit(Request request, const InferPolicy& policy) {
  if (policy.instances == InferPolicy::kConcurrent && !policy.merges()) return run_alone(request);
  {
    std::unique_lock<std::mutex> lock(mu_);
    queue_.push_back({std::move(request), std::chrono::steady_clock::now()});
    if (policy.max_queue_delay.count() > 0) arrived_.notify_all();
    if (running_ >= policy.instances) {
      // A run in progress or scheduled takes it. With several instances all running
      // (none scheduled: a scheduled one needs a reading thread to begin), this thread
      // stops reading too: what arrives next waits in the socket until a run ends, and
      // that run's thread reads it (see drain()).
      const bool aside = policy.instances > 1 && policy.max_queue_delay.count() == 0 && started_ == running_;
      lock.unlock();
      if (aside) runtime::HandlerScope::step_aside(/*retake=*/false);
      return;
    }
    ++running_;
  }
  if (policy.max_queue_delay.count() == 0) {
    // Requests read with this one are still to be handled: the run goes after them, so
    // it finds them queued, on this thread, with no wake-up.
    std::function<void()> later = [this, policy] { drain(policy); };
    if (runtime::HandlerScope::run_after_pending(later)) return;
  }
  drain(policy);
}

void InferQueue::drain(const InferPolicy& policy) {
  std::unique_lock<std::mutex> lock(mu_);
  ++started_;
  bool handed_over = false;
  while (!queue_.empty()) {
    if (policy.max_queue_delay.count() > 0) {
      if (!handed_over) {
        // A wait: the sockets go to another thread meanwhile, so requests keep coming.
        lock.unlock();
        runtime::HandlerScope::will_block();
        handed_over = true;
        lock.lock();
        continue;
      }
      wait_for_batch(lock, policy);
    }
    std::deque<Queued> batch = take_batch(policy);
    // With several instances, this thread stops reading while it runs (with one, nothing
    // could run beside it: its requests queue in the socket and merge when it is done).
    // While a run is scheduled but not begun, or an instance is free for the next
    // request, another thread is woken to read and start it; when every instance runs,
    // nobody is (HandlerScope::step_aside): the next run to end reads what came meanwhile.
    const bool wake_reader = running_ > started_ || running_ < policy.instances;
    lock.unlock();
    if (policy.instances > 1 && !handed_over) {
      if (wake_reader) {
        runtime::HandlerScope::will_block();
      } else {
        runtime::HandlerScope::step_aside(/*retake=*/true);
      }
      handed_over = true;
    }
    run_batch(std::move(batch));
    lock.lock();
  }
  --started_;
  --running_;
}

std::deque<InferQueue::Queued> InferQueue::take_batch(const InferPolicy& policy) {
  std::deque<Queued> batch;
  batch.push_back(std::move(queue_.front()));
  queue_.pop_front();
  const Request& first = batch.front().request;
  if (!policy.merges() || !first.signature || first.signature->rows >= policy.max_batch_rows) return batch;
  std::uint64_t rows = first.signature->rows;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (joins(first, it->request) && rows + it->request.signature->rows <= policy.max_batch_rows) {
      rows += it->request.signature->rows;
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

void InferQueue::wait_for_batch(std::unique_lock<std::mutex>& lock, const InferPolicy& policy) {
  const auto deadline = queue_.front().arrived + policy.max_queue_delay;
  auto full = [&] {
    const Request& first = queue_.front().request;
    if (!policy.merges() || !first.signature) return true;
    std::uint64_t rows = 0;
    for (const Queued& q : queue_) {
      if (&q.request == &first || joins(first, q.request)) rows += q.request.signature->rows;
    }
    return rows >= policy.max_batch_rows;
  };
  while (!full() && arrived_.wait_until(lock, deadline) != std::cv_status::timeout) {
  }
}

void InferQueue::run_alone(Request& request, bool in_burst) {
  // A run not as cheap as a reply may be long: replies this thread holds go first (the
  // one place for a run of one request, whether submit() or drain() started it).
  if (!in_burst) detail::HeldReplies::release();
  Tensors outputs;
  const auto start = in_burst ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  try {
    outputs = run_(request.model.get(), std::move(request.inputs));
  } catch (const std::exception& e) {
    return request.responder.fail(std::string("Infer: ") + e.what());
  }
  if (in_burst) {
    CpuPin::cheap_run(std::chrono::steady_clock::now() - start);
    return request.responder.respond_in_burst(wire::InferResponse{std::move(outputs)});
  }
  request.responder.respond(wire::InferResponse{std::move(outputs)});
}

void InferQueue::run_batch(std::deque<Queued> batch) {
  if (batch.size() == 1) return run_alone(batch.front().request);
  // As run_alone(): the run may be long, so replies this thread holds go first.
  detail::HeldReplies::release();
  std::vector<const Tensors*> inputs;
  std::vector<std::uint64_t> rows;
  for (const Queued& q : batch) {
    inputs.push_back(&q.request.inputs);
    rows.push_back(q.request.signature->rows);
  }
  std::optional<std::vector<Tensors>> parts;
  try {
    parts = split_rows(run_(batch.front().request.model.get(), merge_rows(inputs)), rows);
  } catch (const std::exception&) {
    // Whose fault it was only the requests alone can tell.
  }
  if (!parts) {
    for (Queued& q : batch) run_alone(q.request);
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].request.responder.respond(wire::InferResponse{std::move((*parts)[i])});
  }
}

}  // namespace carton::runner
