// Dynamic batching and declared concurrency (InferQueue, under ModelHandler), served in
// this process: under load, every request gets exactly its own answer, whether it was
// merged with others, ran alone, failed its checks or broke the merged run.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <future>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "carton/runner/batch_rows.hpp"
#include "carton/runner/model_handler.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "in_process_core.hpp"
#include "carton/mock/runner_test_support.hpp"

using namespace carton;
using wire::Tensor;
using Tensors = wire::Map<std::string, Tensor>;

namespace {

struct Doubler {
  runner::InferPolicy policy;
};

// y = 2 x, row by row, for float32 "x" [N, ...]; strings in "s" come back reversed.
// Checks (mergeable): "x" or "s" must be there, and "x" must be float32. A NaN in "x"
// makes the run throw (an engine error). An input named "alone" opts out of merging;
// one named "hold" makes the run wait for `release` once it has started; one named "pair"
// makes it wait, computing (no will_block), until another run is in progress too; one
// named "now" runs at once, outside the policy (runs_at_once).
class DoublerHandler : public runner::ModelHandler<Doubler> {
 public:
  explicit DoublerHandler(runner::InferPolicy policy) : ModelHandler("a doubler", {"model.bin"}), policy_(policy) {}
  std::promise<void> entered;
  std::shared_future<void> release;
  std::atomic<int> running{0}, most_running{0};
  std::atomic<std::uint64_t> most_rows{0};
  std::atomic<int> runs{0};

 protected:
  std::shared_ptr<const Doubler> load_served_model(const wire::LoadRequest&) override {
    return std::make_shared<const Doubler>(Doubler{policy_});
  }
  std::string pack_file_name(const wire::PackRequest&, const std::string&) override { return "model.bin"; }
  runner::InferPolicy infer_policy(const Doubler& model) const override { return model.policy; }
  bool runs_at_once(const Doubler&, const Tensors& inputs) const override { return inputs.find("now") != inputs.end(); }
  bool mergeable(const Doubler&, const Tensors& inputs) const override {
    check(inputs);
    return inputs.find("alone") == inputs.end();
  }
  Tensors infer(const Doubler&, Tensors inputs) override {
    check(inputs);
    const int now = ++running;
    int most = most_running.load();
    while (now > most && !most_running.compare_exchange_weak(most, now)) {
    }
    ++runs;
    struct Leave {
      std::atomic<int>& n;
      ~Leave() { --n; }
    } leave{running};
    if (inputs.find("hold") != inputs.end()) {
      entered.set_value();
      runtime::HandlerScope::will_block();  // the next requests are read meanwhile
      release.wait();
    }
    if (inputs.find("pair") != inputs.end()) {
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (running.load() < 2 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
    }
    Tensors out;
    if (const auto x = inputs.find("x"); x != inputs.end()) {
      const std::uint64_t rows = x->second.shape()[0];
      std::uint64_t seen = most_rows.load();
      while (rows > seen && !most_rows.compare_exchange_weak(seen, rows)) {
      }
      auto v = x->second.values<float>();
      for (auto& e : v) {
        if (std::isnan(e)) throw std::runtime_error("NaN in x");
        e *= 2;
      }
      out.insert_or_assign("y", Tensor::from_values<float>(x->second.shape(), std::move(v)));
    }
    if (const auto s = inputs.find("s"); s != inputs.end()) {
      auto strings = s->second.strings();
      for (auto& e : strings) std::reverse(e.begin(), e.end());
      out.insert_or_assign("s", Tensor::from_strings(s->second.shape(), std::move(strings)));
    }
    return out;
  }

 private:
  static void check(const Tensors& inputs) {
    const auto x = inputs.find("x");
    if (x == inputs.end() && inputs.find("s") == inputs.end()) throw std::invalid_argument("no 'x' and no 's'");
    if (x != inputs.end() && x->second.dtype() != wire::DType::kFloat32) throw std::invalid_argument("'x' is not float32");
  }
  const runner::InferPolicy policy_;
};

// Request i's rows: values 1000 i + k, so that no two requests share a value.
Tensor rows_of(int i, std::uint64_t rows, std::uint64_t columns) {
  std::vector<float> v(rows * columns);
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = float(1000 * i + int(k));
  return Tensor::from_values<float>({rows, columns}, std::move(v));
}

enum class Kind { kRows1x4, kRows3x4, kRows2x2, kAlone, kStrings, kInvalid, kWrongDtype, kPoison };

struct Sent {
  Kind kind;
  Tensors inputs;
  wire::RpcId id{0};
};

Sent make(int i) {
  static const Kind kinds[] = {Kind::kRows1x4, Kind::kRows3x4, Kind::kRows1x4, Kind::kRows2x2, Kind::kAlone,
                               Kind::kStrings, Kind::kRows1x4, Kind::kInvalid, Kind::kPoison, Kind::kWrongDtype};
  Sent s{kinds[i % 10], {}};
  switch (s.kind) {
    case Kind::kRows1x4: s.inputs = {{"x", rows_of(i, 1, 4)}}; break;
    case Kind::kRows3x4: s.inputs = {{"x", rows_of(i, 3, 4)}}; break;
    case Kind::kRows2x2: s.inputs = {{"x", rows_of(i, 2, 2)}}; break;
    case Kind::kAlone: s.inputs = {{"x", rows_of(i, 1, 4)}, {"alone", rows_of(i, 1, 1)}}; break;
    case Kind::kStrings: s.inputs = {{"s", Tensor::from_strings({2}, {"ab" + std::to_string(i), "cd"})}}; break;
    case Kind::kInvalid: s.inputs = {{"z", rows_of(i, 1, 4)}}; break;
    case Kind::kWrongDtype: s.inputs = {{"x", Tensor::from_values<double>({1, 4}, {1, 2, 3, 4})}}; break;
    case Kind::kPoison: {
      auto v = rows_of(i, 1, 4).values<float>();
      v[2] = std::numeric_limits<float>::quiet_NaN();
      s.inputs = {{"x", Tensor::from_values<float>({1, 4}, std::move(v))}};
      break;
    }
  }
  return s;
}

void check_answer(const Sent& s, const wire::RPCResponse& reply) {
  const auto* error = std::get_if<wire::ErrorResponse>(&reply.data);
  switch (s.kind) {
    case Kind::kInvalid:
      BOOST_REQUIRE(error);
      BOOST_TEST(error->e == "Infer: no 'x' and no 's'");
      return;
    case Kind::kWrongDtype:
      BOOST_REQUIRE(error);
      BOOST_TEST(error->e == "Infer: 'x' is not float32");
      return;
    case Kind::kPoison:
      BOOST_REQUIRE(error);
      BOOST_TEST(error->e == "Infer: NaN in x");
      return;
    default:
      break;
  }
  BOOST_REQUIRE_MESSAGE(!error, "request " << reply.id.value << ": " << (error ? error->e : ""));
  const auto* out = std::get_if<wire::InferResponse>(&reply.data);
  BOOST_REQUIRE(out);
  if (s.kind == Kind::kStrings) {
    auto expected = s.inputs.at("s").strings();
    for (auto& e : expected) std::reverse(e.begin(), e.end());
    BOOST_TEST(out->tensors.size() == 1u);
    BOOST_TEST(out->tensors.at("s").strings() == expected, boost::test_tools::per_element());
    return;
  }
  const Tensor& x = s.inputs.at("x");
  auto v = x.values<float>();
  for (auto& e : v) e *= 2;
  BOOST_TEST(out->tensors.size() == 1u);
  // The same shape and the bit-identical elements of this request's rows alone.
  BOOST_TEST((out->tensors.at("y") == Tensor::from_values<float>(x.shape(), std::move(v))));
}

runner::InferPolicy merging(std::size_t instances, std::uint64_t rows, std::int64_t delay_us = 0) {
  runner::InferPolicy p;
  p.instances = instances;
  p.max_batch_rows = rows;
  p.max_queue_delay = std::chrono::microseconds(delay_us);
  return p;
}

// A core serving `handler` whose one instance a request holds (it has begun) until
// `release` is set.
struct HeldInstance {
  std::promise<void> release;
  test_support::InProcessCore core;
  wire::RpcId held{0};

  explicit HeldInstance(DoublerHandler& handler) : core(handler) {
    handler.release = release.get_future().share();
    auto entered = handler.entered.get_future();
    core.core().load({});
    held = core.send(wire::InferWithTensorsRequest{{{"x", rows_of(999, 1, 4)}, {"hold", rows_of(0, 1, 1)}}, false});
    BOOST_REQUIRE(entered.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  }
};

// Sends a held request, then 64 of every kind while it holds the only instance, then
// releases it: the 64 are queued together, and merged where they may.
void serve_64_mixed(DoublerHandler& handler) {
  HeldInstance h(handler);
  auto& core = h.core;
  std::vector<Sent> sent;
  for (int i = 0; i < 64; ++i) {
    sent.push_back(make(i));
    sent.back().id = core.send(wire::InferWithTensorsRequest{sent.back().inputs, false});
  }
  h.release.set_value();
  BOOST_TEST(core.wait(h.held).size() == 1u);
  for (const Sent& s : sent) {
    const auto replies = core.wait(s.id);
    BOOST_REQUIRE(replies.size() == 1u);
    BOOST_TEST_CONTEXT("request " << s.id.value) { check_answer(s, replies[0]); }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(infer_queue)

BOOST_AUTO_TEST_CASE(sixty_four_mixed_requests_each_get_their_own_answer) {
  DoublerHandler handler(merging(1, 64));
  serve_64_mixed(handler);
  BOOST_TEST(handler.most_running.load() == 1);  // one instance
  BOOST_TEST(handler.most_rows.load() > 3u);     // merged: no request has more than 3 rows
  BOOST_TEST(handler.most_rows.load() <= 64u);
}

BOOST_AUTO_TEST_CASE(two_instances_and_a_small_batch_limit) {
  DoublerHandler handler(merging(2, 4));
  serve_64_mixed(handler);
  BOOST_TEST(handler.most_running.load() <= 2);
  BOOST_TEST(handler.most_rows.load() <= 4u);
}

BOOST_AUTO_TEST_CASE(two_instances_run_side_by_side_though_their_runs_never_block) {
  // Two runs that compute without ever blocking on the I/O side must still run at once,
  // each waiting for the other; requests sent meanwhile, while every instance runs and
  // nobody reads, are read when a run ends and all answered.
  DoublerHandler handler(merging(2, 0));
  test_support::InProcessCore core(handler);
  core.core().load({});
  std::vector<Sent> sent;
  for (int i = 0; i < 2; ++i) {
    sent.push_back({Kind::kRows1x4, {{"x", rows_of(i, 1, 4)}, {"pair", rows_of(i, 1, 1)}}});
    sent.back().id = core.send(wire::InferWithTensorsRequest{sent.back().inputs, false});
  }
  for (int i = 2; i < 40; ++i) {
    sent.push_back(make(i));
    sent.back().id = core.send(wire::InferWithTensorsRequest{sent.back().inputs, false});
  }
  for (const Sent& s : sent) {
    const auto replies = core.wait(s.id);
    BOOST_REQUIRE(replies.size() == 1u);
    BOOST_TEST_CONTEXT("request " << s.id.value) { check_answer(s, replies[0]); }
  }
  BOOST_TEST(handler.most_running.load() == 2);
}

BOOST_AUTO_TEST_CASE(a_queue_delay_still_answers_everyone) {
  DoublerHandler handler(merging(1, 16, 2000));
  serve_64_mixed(handler);
  BOOST_TEST(handler.most_rows.load() <= 16u);
}

BOOST_AUTO_TEST_CASE(serialized_without_merging_runs_one_at_a_time) {
  DoublerHandler handler(merging(1, 0));
  serve_64_mixed(handler);
  BOOST_TEST(handler.most_running.load() == 1);
  BOOST_TEST(handler.most_rows.load() == 3u);  // never merged
}

BOOST_AUTO_TEST_CASE(a_lone_request_is_answered_at_once_with_a_delay_of_zero) {
  DoublerHandler handler(merging(1, 64));
  test_support::InProcessCore core(handler);
  core.core().load({});
  for (int i = 0; i < 20; ++i) {
    const Sent s = make(0);
    const auto reply = core.core().infer_with_tensors({s.inputs, false});
    BOOST_TEST((reply.final->tensors.at("y") == Tensor::from_values<float>({1, 4}, {0, 2, 4, 6})));
  }
  BOOST_TEST(handler.most_rows.load() == 1u);
}

BOOST_AUTO_TEST_CASE(requests_that_run_at_once_pass_a_busy_instance_and_never_merge) {
  // The only instance is held; requests the handler runs at once are answered meanwhile,
  // each alone (one row each: never merged), an engine error to its own request only.
  DoublerHandler handler(merging(1, 64));
  HeldInstance h(handler);
  auto& core = h.core;
  std::vector<Sent> sent;
  // Were the answers to wait for the held run, a watchdog would end it after 20 s.
  std::promise<void> answered;
  std::atomic<bool> timed_out{false};
  std::thread watchdog([&, done = answered.get_future()] {
    if (done.wait_for(std::chrono::seconds(20)) == std::future_status::timeout) {
      timed_out = true;
      h.release.set_value();
    }
  });
  for (int i = 0; i < 16; ++i) {
    Sent s = make(i % 2 ? 0 : 8);  // one row, or one row with a NaN (kPoison)
    s.inputs = {{"x", s.inputs.at("x")}, {"now", rows_of(i, 1, 1)}};
    s.id = core.send(wire::InferWithTensorsRequest{s.inputs, false});
    sent.push_back(std::move(s));
  }
  for (const Sent& s : sent) {
    const auto replies = core.wait(s.id);  // (no REQUIRE before the watchdog is joined)
    BOOST_TEST(replies.size() == 1u);
    if (replies.size() == 1u) BOOST_TEST_CONTEXT("request " << s.id.value) { check_answer(s, replies[0]); }
  }
  answered.set_value();
  watchdog.join();
  BOOST_TEST(!timed_out.load());  // every answer came while the instance was held
  if (!timed_out) h.release.set_value();
  BOOST_TEST(core.wait(h.held).size() == 1u);
  BOOST_TEST(handler.most_rows.load() == 1u);
  BOOST_TEST(handler.most_running.load() >= 2);
}

BOOST_AUTO_TEST_CASE(rows_merge_only_when_names_dtypes_and_trailing_dimensions_agree) {
  const Tensors a{{"x", rows_of(1, 2, 4)}, {"m", Tensor::from_values<double>({2}, {1, 2})}};
  const Tensors b{{"x", rows_of(2, 1, 4)}, {"m", Tensor::from_values<double>({1}, {3})}};
  const auto sa = runner::row_signature(a), sb = runner::row_signature(b);
  BOOST_REQUIRE(sa && sb);
  BOOST_TEST(sa->key == sb->key);
  BOOST_TEST(sa->rows == 2u);
  BOOST_TEST(runner::row_signature({{"x", rows_of(1, 2, 3)}})->key != sa->key);
  BOOST_TEST(!runner::row_signature({{"x", rows_of(1, 2, 4)}, {"m", Tensor::from_values<double>({3}, {1, 2, 3})}}));
  BOOST_TEST(!runner::row_signature({{"s", Tensor::from_strings({1}, {"a"})}}));
  BOOST_TEST(!runner::row_signature({{"x", Tensor::from_values<float>({}, {1})}}));  // a scalar

  const Tensors merged = runner::merge_rows({&a, &b});
  BOOST_TEST((merged.at("x").shape() == wire::Shape{3, 4}));
  BOOST_TEST((merged.at("m") == Tensor::from_values<double>({3}, {1, 2, 3})));
  const auto parts = runner::split_rows(merged, {2, 1});
  BOOST_REQUIRE(parts);
  BOOST_TEST((parts->at(0).at("x") == a.at("x")));
  BOOST_TEST((parts->at(1).at("x") == b.at("x")));
  // An output that is not per row does not split.
  BOOST_TEST(!runner::split_rows({{"total", Tensor::from_values<float>({1}, {6})}}, {2, 1}));
}

BOOST_AUTO_TEST_SUITE_END()
