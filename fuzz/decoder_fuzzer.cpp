// Every generated message decoder (RPC request and response, filesystem request and
// response) at every core revision, each successful decode re-encoded and compared.
//
// Input: byte 0 selects the codec (byte % 4, kCodecs order) and the revision
// (byte / 4 % kRevisionCount, fuzz_support.hpp), the rest is one payload.
// Finds: crashes, sanitizer reports (overflow, UB, leaks) and unbounded allocation in
// decode; a decode that accepts bytes it cannot re-encode (EncodeError or any other
// exception) or re-encodes to different bytes; a re-encoding that does not decode to
// an equal value. Every message decodes to one canonical encoding (bincode has no
// alternative forms for the same value), so byte equality is the right check.
// Ignores: the DecodeError itself (refusing bytes is the decoder's job) and its text.
#include "codec_checks.hpp"

using namespace carton;

namespace {

template <class T>
void roundtrip(const wire::Bytes& payload, wire::CoreRevision rev) {
  T value{};
  if (!fuzz::decode_payload(payload, rev, value)) return;
  std::vector<std::uint8_t> again = fuzz::encode_or_finding(value, rev, "decoded value does not re-encode");
  if (wire::Bytes::adopt(std::vector<std::uint8_t>(again)) != payload) fuzz::finding("re-encoded bytes differ");
  T back{};
  if (!fuzz::decode_payload(wire::Bytes::adopt(std::move(again)), rev, back) || !(back == value)) {
    fuzz::finding("re-encoded bytes decode to a different value");
  }
}

using Roundtrip = void (*)(const wire::Bytes&, wire::CoreRevision);
constexpr Roundtrip kCodecs[] = {roundtrip<wire::RPCRequest>, roundtrip<wire::RPCResponse>,
                                 roundtrip<wire::fs::FsRequestFrame>, roundtrip<wire::fs::FsResponseFrame>};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto codec = kCodecs[data[0] % 4];
  const auto rev = fuzz::revision_at(data[0] / 4 % fuzz::kRevisionCount);
  codec(wire::Bytes::copy_of(data + 1, size - 1), rev);
  return 0;
}
