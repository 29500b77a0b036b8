// The wire checks of the protocol evolution test (evolve.py builds this against a
// schema that adds core revision EVOLVED_REVISION, "0.0.2": request Health ->
// HealthResponse{status} at wire indices HEALTH_INDEX / HEALTH_RESPONSE_INDEX and an
// optional LoadRequest.model_name). One runner handler (evolved_handler.hpp) serves the
// old and the new core.
//
// Usage: evolution_test SOURCE_DIR   (for conformance/vectors); exit 0 when all pass.

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "carton/conformance/roundtrip.hpp"
#include "carton/conformance/vector_index.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/decode_error.hpp"
#include "carton/wire/messages.hpp"
#include "carton/wire/rpc_requests.hpp"
#include "evolved_handler.hpp"

namespace wire = carton::wire;
namespace cf = carton::conformance;
using Bytes = std::vector<std::uint8_t>;

namespace {

int failures = 0;

void check(bool ok, const std::string& what, const std::string& detail = "") {
  std::cout << (ok ? "PASS " : "FAIL ") << what << (ok || detail.empty() ? "" : ": " + detail) << '\n';
  failures += ok ? 0 : 1;
}

wire::CoreRevision rev(const char* name) {
  const auto r = wire::parse_core_revision(name);
  if (!r) throw std::runtime_error(std::string("the regenerated schema has no revision ") + name);
  return *r;
}

wire::CoreRevision evolved() { return rev(EVOLVED_REVISION); }

// The released revisions' captured vectors still decode and re-encode byte for byte.
void released_vectors_round_trip(const std::string& source) {
  for (const char* name : {"0.0.1", "2023-09"}) {
    const std::string dir = source + "/conformance/vectors/carton-" + name;
    int passed = 0;
    std::string first_failure;
    for (const auto& e : cf::read_vector_index(dir)) {
      const std::string type = cf::vector_type(e);
      if (type.empty()) continue;
      const auto r = cf::roundtrip(type, cf::read_file(dir + "/" + e.name + ".bin"), rev(name), e.arbitrary_order);
      if (r.ok) {
        ++passed;
      } else if (first_failure.empty()) {
        first_failure = e.name + ": " + r.message;
      }
    }
    check(first_failure.empty() && passed > 0,
          std::string("every ") + name + " vector round-trips (" + std::to_string(passed) + ")", first_failure);
  }
}

std::string hex(const Bytes& b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto c : b) out += {digits[c >> 4], digits[c & 15]};
  return out;
}

// A u32 tag as it is on the wire (little-endian), in hex.
std::string tag_hex(std::uint32_t v) { return hex({Bytes::value_type(v), Bytes::value_type(v >> 8),
                                                  Bytes::value_type(v >> 16), Bytes::value_type(v >> 24)}); }

const std::string kEvolvedName = EVOLVED_REVISION;

Bytes encode(const wire::RPCRequest& r, wire::CoreRevision v) { return wire::encode_message(r, v).flatten(); }

template <class M>
M decode(const Bytes& b, wire::CoreRevision v) {
  return wire::decode_message<M>(wire::Bytes::copy_of(b.data(), b.size()), v);
}

template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void new_revision_encodes_the_new_variant_and_field() {
  const auto v2 = evolved();
  const Bytes health = encode({wire::RpcId{9}, wire::HealthRequest{}}, v2);
  check(hex(health) == "0900000000000000" + tag_hex(HEALTH_INDEX), kEvolvedName + " encodes Health as its variant",
        hex(health));

  wire::LoadRequest load;
  load.model_name = "m";
  const Bytes with_name = encode({wire::RpcId{1}, load}, v2);
  check(hex(with_name).size() > 20 && hex(with_name).substr(hex(with_name).size() - 20) == "01" "0100000000000000" "6d",
        kEvolvedName + " encodes LoadRequest.model_name last, as Some(\"m\")", hex(with_name));
  check(decode<wire::RPCRequest>(with_name, v2) == wire::RPCRequest{wire::RpcId{1}, load}, "and decodes it back");

  // Without a model name, the new LoadRequest is the previous revision's plus the None byte.
  load.model_name.reset();
  const auto& previous = wire::kCoreRevisions[wire::kCoreRevisions.size() - 2];
  Bytes old = encode({wire::RpcId{1}, load}, previous.revision);
  old.push_back(0);
  check(encode({wire::RpcId{1}, load}, v2) == old,
        kEvolvedName + " = " + std::string(previous.name) + " + None when model_name is absent");
  const std::string names = wire::core_revision_names();
  check(wire::kCoreRevisions.back().revision == v2 && names.rfind(", " + kEvolvedName) == names.size() -
                                                          kEvolvedName.size() - 2,
        "the revision list comes from the schema, newest last", names);
  check(wire::supports_streaming(v2), kEvolvedName + " keeps streaming");
  const auto& table = wire::kRequestVariants.at(HEALTH_INDEX);
  check(table.request == CARTON_STR(HealthRequest) && table.reply == CARTON_STR(HealthResponse) &&
            table.reply_index == HEALTH_RESPONSE_INDEX && table.since == v2 && !table.has_fields,
        "the request table lists Health, answered by HealthResponse, from " + kEvolvedName);
}

void old_revisions_refuse_them_by_name() {
  for (const auto& info : wire::kCoreRevisions) {
    if (info.revision == evolved()) continue;
    const auto old = info.revision;
    const std::string n(info.name);
    const std::string enc = error_of([&] { encode({wire::RpcId{1}, wire::HealthRequest{}}, old); });
    check(contains(enc, CARTON_STR(HealthRequest)) && contains(enc, "core revision " + n), n + " refuses to encode Health",
          enc);

    wire::LoadRequest load;
    load.model_name = "m";
    const std::string field = error_of([&] { encode({wire::RpcId{1}, load}, old); });
    check(contains(field, CARTON_STR(model_name)) && contains(field, "core revision " + n),
          n + " refuses to encode LoadRequest.model_name", field);

    const Bytes health = encode({wire::RpcId{9}, wire::HealthRequest{}}, evolved());
    const std::string dec = error_of([&] { decode<wire::RPCRequest>(health, old); });
    check(contains(dec, CARTON_STR(HealthRequest)) && contains(dec, "core revision " + n), n + " refuses to decode Health", dec);
  }
}

// ---- the runner (evolved_handler.hpp): one handler for the old and the new core ------

// Collects what the runner answers, encoded for the core it talks to.
class Sink : public carton::runner::ResponseSink {
 public:
  explicit Sink(wire::CoreRevision revision) : revision_(revision) {}
  void send(wire::RpcId id, bool complete, wire::RPCResponseData data) override {
    frames.push_back(wire::encode_message(wire::RPCResponse{id, complete, std::move(data)}, revision_).flatten());
  }
  std::vector<Bytes> frames;

 private:
  wire::CoreRevision revision_;
};

Bytes serve(EvolvedRunner& runner, const Bytes& request, wire::CoreRevision revision) {
  auto sink = std::make_shared<Sink>(revision);
  carton::runner::dispatch(runner, decode<wire::RPCRequest>(request, revision), sink);
  return sink->frames.size() == 1 ? sink->frames[0] : Bytes{};
}

void one_runner_serves_both_cores(const std::string& source) {
  EvolvedRunner runner;
  // The old core: a captured 0.0.1 Load, answered as 0.0.1 answers.
  const auto captured = cf::read_file(source + "/conformance/vectors/carton-0.0.1/req_load_min.bin");
  const Bytes old_load(captured.data(), captured.data() + captured.size());
  const Bytes answer = serve(runner, old_load, rev("0.0.1"));
  check(hex(answer).substr(16) == "01" "00000000" && runner.last_model_name == "(none)",
        "the runner loads for the 0.0.1 core", hex(answer));

  // The new core: Load with a model name, then Health.
  const auto v2 = evolved();
  auto load = std::get<wire::LoadRequest>(decode<wire::RPCRequest>(old_load, rev("0.0.1")).data);
  load.model_name = "resnet";
  serve(runner, encode({wire::RpcId{2}, load}, v2), v2);
  check(runner.last_model_name == "resnet", "the runner reads model_name from the " + kEvolvedName + " core",
        runner.last_model_name);
  const Bytes health = serve(runner, encode({wire::RpcId{3}, wire::HealthRequest{}}, v2), v2);
  check(hex(health) == "0300000000000000" "01" + tag_hex(HEALTH_RESPONSE_INDEX) + "0200000000000000" "6f6b",
        "the runner answers Health{\"ok\"} to the " + kEvolvedName + " core", hex(health));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: evolution_test SOURCE_DIR\n";
    return 2;
  }
  try {
    released_vectors_round_trip(argv[1]);
    new_revision_encodes_the_new_variant_and_field();
    old_revisions_refuse_them_by_name();
    one_runner_serves_both_cores(argv[1]);
  } catch (const std::exception& e) {
    check(false, "no unexpected exception", e.what());
  }
  return failures == 0 ? 0 : 1;
}
