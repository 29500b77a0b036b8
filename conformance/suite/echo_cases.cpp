// The echo suite (opt-in): an echo runner returns its inputs bit-exactly.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "carton/wire/messages.hpp"
#include "suite/case_support.hpp"
#include "suite/tensors.hpp"

namespace carton::conformance::suite {

namespace {

// ---- echo ----------------------------------------------------------------------------

void echo_one_dtype(const CaseContext& ctx, const NamedTensor& t) {
  auto core = start(ctx);
  load_model(*core, ctx);
  const auto out = core->core().infer_with_tensors({{{"in", t.tensor}}, false});
  if (!out.final) throw Failure("expected an InferResponse echoing the input, got Empty");
  const auto it = out.final->tensors.find("in");
  if (it == out.final->tensors.end() || out.final->tensors.size() != 1) {
    throw Failure("expected exactly the tensor \"in\" back, got " + std::to_string(out.final->tensors.size()) +
                  " tensor(s)" + (it == out.final->tensors.end() ? " without \"in\"" : ""));
  }
  if (!same_tensor(t, it->second)) {
    throw Failure("expected the " + t.name + " tensor back bit-exactly (NaN payloads and -0.0 included), got a " +
                  wire::to_string(it->second.dtype()) + " tensor that differs");
  }
  require_no_violations(*core);
}

void echo_seal(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  TensorMap all;
  for (const auto& t : dtype_tensors()) {
    if (!t.padding_only) all.insert_or_assign(t.name, t.tensor);
  }
  const auto handle = core->core().seal({all}).handle;
  const auto out = core->core().infer_with_handle({handle, false});
  if (!out.final || !(out.final->tensors == all)) {
    throw Failure("expected InferWithHandle to return the sealed tensors bit-exactly, got " +
                  (out.final ? std::to_string(out.final->tensors.size()) + " tensor(s) that differ" : "Empty"));
  }
  require_no_violations(*core);
}

}  // namespace

void add_echo_cases(std::vector<Case>& r) {
  const CaseAdder add{r, "echo"};
  for (const auto& t : dtype_tensors()) {
    const NamedTensor* tp = &t;
    add("echo_" + t.name, "InferWithTensors returns the " + t.name + " tensor bit-exactly",
        [tp](const CaseContext& ctx) { echo_one_dtype(ctx, *tp); });
  }
  add("echo_seal", "Seal then InferWithHandle return the sealed tensors bit-exactly", echo_seal);
}

}  // namespace carton::conformance::suite
