// One protocol case per request variant of the schema, from the generated table
// carton/wire/rpc_requests.hpp: a request a new core revision adds gets its case (and is
// sent by the mock core) with no hand edit here. Each case sends its request once, as
// the core of the revision played would, and accepts only the reply the schema declares
// for it, or an Error saying the runner does not implement it (docs/conformance.md).
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "carton/runner/serve.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/rpc_requests.hpp"
#include "suite/case_support.hpp"

namespace carton::conformance::suite {

namespace {

using wire::RequestVariantInfo;

// What the suite puts into a request. One it knows nothing about (a request a new
// revision added) keeps its schema defaults; the overloads below give the requests that
// need more something a runner can serve: a filesystem, tensors, a sealed handle.
struct Sample {
  MockCore& core;
  const CaseContext& ctx;
  std::optional<TempDir> empty_model;  // served by the Load when there is no --model-dir
  std::optional<TempDir> pack_dir;
};

TensorMap sample_tensors() { return {{"x", Tensor::from_values<float>({4}, {1, 2, 3, 4})}}; }

void fill(wire::LoadRequest& r, Sample& s) { r = model_load_request(s.core, s.ctx, s.empty_model); }
void fill(wire::PackRequest& r, Sample& s) { r = pack_request(s.core, s.pack_dir.emplace()); }
void fill(wire::SealRequest& r, Sample&) { r.tensors = sample_tensors(); }
void fill(wire::InferWithTensorsRequest& r, Sample&) { r.tensors = sample_tensors(); }
void fill(wire::InferWithHandleRequest& r, Sample& s) {
  const auto sealed = s.core.call(wire::SealRequest{sample_tensors()});
  const auto* ok = sealed.size() == 1 ? std::get_if<wire::SealResponse>(&sealed[0].data) : nullptr;
  r.handle = ok ? ok->handle : kUnsealedHandle;  // a runner that refused to seal refuses the handle too
}
template <class Request>
void fill(Request&, Sample&) {}

// As carton does, a model is loaded before it is used; Pack comes without a Load.
template <class Request>
constexpr bool kLoadsFirst = true;
template <>
constexpr bool kLoadsFirst<wire::LoadRequest> = false;
template <>
constexpr bool kLoadsFirst<wire::PackRequest> = false;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The SDK's default answer ("this runner does not implement Health"), or any runner's
// saying as much: the request's name with "not implemented" or "unimplemented".
bool says_unimplemented(const std::string& error, std::string_view request) {
  const std::string e = lower(error);
  return e.find(lower(std::string(request))) != std::string::npos &&
         (e.find("not implement") != std::string::npos || e.find("unimplemented") != std::string::npos);
}

std::string revision_name(wire::CoreRevision r) { return std::string(wire::core_revision_name(r)); }

void require_declared_reply(const RequestVariantInfo& info, const CaseContext& ctx,
                            const std::vector<wire::RPCResponse>& replies) {
  const std::string name(info.name);
  const std::string want = "a " + std::string(info.reply) + " reply to " + name + " or an Error saying \"" +
                           std::string(wire::kNotImplementedError) + name + "\"";
  if (replies.size() != 1 || !replies[0].complete) {
    throw Failure("expected exactly one complete response to " + name + ", got " + std::to_string(replies.size()) +
                  " response(s)" + (!replies.empty() && !replies[0].complete ? " starting with complete: false" : ""));
  }
  const auto& data = replies[0].data;
  if (data.index() == info.reply_index) return;
  const auto* error = std::get_if<wire::ErrorResponse>(&data);
  if (error == nullptr) throw Failure("expected " + want + ", got " + variant_name(data));
  if (says_unimplemented(error->e, info.name)) return;
  if (error->e.rfind(runner::kUndecodableRequestError, 0) == 0) {
    const std::string rev = revision_name(ctx.revision);
    throw Failure("expected " + want + ", got an Error saying the runner cannot decode it, so it does not speak core " +
                  rev + "'s " + name + " (start it with `--core-revision " + rev + "` or `CARTON_CORE_REVISION=" +
                  rev + "`, and build it on a schema that has " + rev + "): " + error->e);
  }
  // A request that carries something (a model, tensors, paths) may be refused for it.
  if (info.has_fields) return;
  throw Failure("expected " + want + ", got an Error that does not say so: " + error->e);
}

template <std::size_t I>
void request_variant_case(const CaseContext& ctx) {
  using Request = std::variant_alternative_t<I, wire::RPCRequestData>;
  const RequestVariantInfo& info = wire::kRequestVariants[I];
  if (ctx.revision < info.since) {
    throw Skip("core " + revision_name(ctx.revision) + " has no " + std::string(info.name) + " request (core " +
               revision_name(info.since) + " adds it)");
  }
  auto core = start(ctx);
  Sample sample{*core, ctx, std::nullopt, std::nullopt};
  if constexpr (kLoadsFirst<Request>) load_model(*core, ctx);
  Request request{};
  fill(request, sample);
  require_declared_reply(info, ctx, core->call(wire::RPCRequestData{std::in_place_index<I>, std::move(request)}));
  require_no_violations(*core);
}

std::string case_doc(const RequestVariantInfo& info) {
  const std::string name(info.name);
  std::string doc = name + " gets one complete " + std::string(info.reply) + " or an Error " +
                    (info.has_fields ? std::string("(not one saying the runner cannot decode it)")
                                     : "saying the runner does not implement " + name);
  if (info.since != wire::kCoreRevisions.front().revision) doc += "; from core " + revision_name(info.since);
  return doc;
}

template <std::size_t... I>
void add_each(const CaseAdder& add, std::index_sequence<I...>) {
  (add("request_" + std::string(wire::kRequestVariants[I].method), case_doc(wire::kRequestVariants[I]),
       request_variant_case<I>),
   ...);
}

}  // namespace

void add_request_variant_cases(std::vector<Case>& r) {
  add_each(CaseAdder{r, "protocol"}, std::make_index_sequence<wire::kRequestVariants.size()>{});
}

}  // namespace carton::conformance::suite
