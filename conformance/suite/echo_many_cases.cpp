// The echo suite's many-tensor cases: requests carrying every kind of tensor at once,
// names reused across requests with other values, and many requests in flight. What
// they catch is a runner that pairs names with the wrong values, keeps a value past its
// request, cuts what is large, or hands one request's tensors to another.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "carton/wire/messages.hpp"
#include "suite/case_support.hpp"
#include "suite/tensors.hpp"

namespace carton::conformance::suite {

namespace {

// ref-core's smoke sends one runner about 330 requests, 100 infers in a row and 8 tasks
// of 25 at once among them; this case sends more (each with a whole tensor_set), so a
// runner that fails only past some count or only under overlap fails here too.
constexpr int kSequentialInfers = 100;
constexpr int kWaves = 10;
constexpr int kInFlight = 25;
constexpr int kSealsInFlight = 16;

std::vector<NamedTensor> with_large(std::vector<NamedTensor> set, int seed) {
  for (auto& t : large_tensors(seed)) set.push_back(std::move(t));
  return set;
}

wire::InferResponse final_infer(const char* request, std::vector<wire::RPCResponse> replies) {
  return mock::expect_final<wire::InferResponse>(request, std::move(replies));
}

void require_echoed(const std::string& what, const std::vector<NamedTensor>& sent, const wire::InferResponse& got) {
  const std::string d = echo_difference(sent, got.tensors);
  if (!d.empty()) throw Failure("expected " + what + " to return every tensor bit-exactly, got " + d);
}

// Replies to requests in flight, checked each against its own request; a reply that
// matches another request's tensors is named as such.
void require_each_echoed(const std::string& what, const std::vector<std::vector<NamedTensor>>& sent,
                         const std::vector<wire::InferResponse>& got) {
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const std::string d = echo_difference(sent[i], got[i].tensors);
    if (d.empty()) continue;
    for (std::size_t j = 0; j < sent.size(); ++j) {
      if (j != i && echo_difference(sent[j], got[i].tensors).empty()) {
        throw Failure("expected each of " + what + " to return its own tensors, got request " + std::to_string(i) +
                      "'s reply carrying the tensors of request " + std::to_string(j));
      }
    }
    throw Failure("expected each of " + what + " to return its own tensors bit-exactly, got request " +
                  std::to_string(i) + ": " + d);
  }
}

void echo_many(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  const auto first = tensor_set(1);
  require_echoed("an InferWithTensors of " + std::to_string(first.size()) + " tensors", first,
                 final_infer("InferWithTensors", core->call(wire::InferWithTensorsRequest{as_map(first), false})));
  // The same names with other values, in the reverse order, and large tensors besides:
  // a runner that pairs names with values by some order of its own cannot match both.
  auto reversed = tensor_set(2);
  std::reverse(reversed.begin(), reversed.end());
  const auto second = with_large(std::move(reversed), 2);
  require_echoed("a second InferWithTensors with the same names in reverse, other values, 4 MiB and 10000 strings", second,
                 final_infer("InferWithTensors", core->call(wire::InferWithTensorsRequest{as_map(second), false})));
  require_no_violations(*core);
}

void echo_seal_many(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  const std::vector<std::vector<NamedTensor>> sets = {tensor_set(3), with_large(tensor_set(4), 4), {tensor_set(5)[0]}};
  std::vector<wire::SealHandle> handles;
  for (const auto& set : sets) {
    handles.push_back(core->core().seal({as_map(set)}).handle);
    for (std::size_t i = 0; i + 1 < handles.size(); ++i) {
      if (handles[i] == handles.back()) {
        throw Failure("expected a distinct handle for each Seal, got handle " + std::to_string(handles.back().value) +
                      " for seals " + std::to_string(i) + " and " + std::to_string(handles.size() - 1));
      }
    }
  }
  // Not in sealing order, so that a runner answering from the latest seal is caught.
  for (const std::size_t i : {1, 0, 2}) {
    require_echoed("InferWithHandle of seal " + std::to_string(i) + " (" + std::to_string(sets[i].size()) +
                       " tensors, after " + std::to_string(sets.size()) + " seals)",
                   sets[i], final_infer("InferWithHandle", core->call(wire::InferWithHandleRequest{handles[i], false})));
  }
  require_no_violations(*core);
}

void echo_concurrent(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  int seed = 100;
  for (int i = 0; i < kSequentialInfers; ++i, ++seed) {
    const auto set = tensor_set(seed);
    require_echoed("InferWithTensors number " + std::to_string(i + 1) + " of " + std::to_string(kSequentialInfers) +
                       " in a row",
                   set, final_infer("InferWithTensors", core->call(wire::InferWithTensorsRequest{as_map(set), false})));
  }
  for (int wave = 0; wave < kWaves; ++wave) {
    std::vector<std::vector<NamedTensor>> sets;
    std::vector<wire::RpcId> ids;
    for (int i = 0; i < kInFlight; ++i, ++seed) {
      sets.push_back(tensor_set(seed));
      ids.push_back(core->send(wire::InferWithTensorsRequest{as_map(sets.back()), false}));
    }
    std::vector<wire::InferResponse> got;
    for (const auto id : ids) got.push_back(final_infer("InferWithTensors", core->wait(id)));
    require_each_echoed(std::to_string(kInFlight) + " InferWithTensors in flight (wave " + std::to_string(wave + 1) +
                            " of " + std::to_string(kWaves) + ")",
                        sets, got);
  }
  std::vector<std::vector<NamedTensor>> sealed;
  std::vector<wire::RpcId> ids;
  for (int i = 0; i < kSealsInFlight; ++i, ++seed) {
    sealed.push_back(tensor_set(seed));
    ids.push_back(core->send(wire::SealRequest{as_map(sealed.back())}));
  }
  std::vector<wire::SealHandle> handles;
  for (const auto id : ids) handles.push_back(mock::expect_final<wire::SealResponse>("Seal", core->wait(id)).handle);
  // Taken in reverse, all in flight at once.
  std::vector<std::vector<NamedTensor>> expected;
  ids.clear();
  for (std::size_t i = handles.size(); i-- > 0;) {
    expected.push_back(sealed[i]);
    ids.push_back(core->send(wire::InferWithHandleRequest{handles[i], false}));
  }
  std::vector<wire::InferResponse> got;
  for (const auto id : ids) got.push_back(final_infer("InferWithHandle", core->wait(id)));
  require_each_echoed(std::to_string(kSealsInFlight) + " InferWithHandle in flight, of as many Seals in flight",
                      expected, got);
  require_no_violations(*core);
}

}  // namespace

void add_echo_many_cases(std::vector<Case>& r) {
  const CaseAdder add{r, "echo"};
  add("echo_many",
      "InferWithTensors of every kind at once, then the same names with other values and large tensors: each "
      "returned bit-exactly",
      echo_many);
  add("echo_seal_many",
      "three Seals of many tensors get distinct handles; InferWithHandle out of order returns each seal bit-exactly",
      echo_seal_many);
  add("echo_concurrent",
      "100 InferWithTensors in a row, 10 waves of 25 in flight, 16 Seals and InferWithHandles in flight: each reply "
      "is its own request's tensors",
      echo_concurrent);
}

}  // namespace carton::conformance::suite
