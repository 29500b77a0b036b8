// Decode and re-encode a payload by type name: the check behind carton-wire and the
// vector tests. Every name a captured vector can need is here, messages and fragments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carton/wire/bytes.hpp"
#include "carton/wire/common_types.hpp"
#include "carton/wire/limits.hpp"

namespace carton::conformance {

struct RoundtripResult {
  bool ok = false;
  // Empty when ok; else the decode error, or the first differing offset with both bytes.
  std::string message;
  // The DecodeErrorKind name ("bad tag", ...), "mismatch" for differing bytes, or "".
  std::string kind;
};

// Type names accepted by roundtrip() and decode_to_json().
std::vector<std::string> codec_types();
bool is_codec_type(const std::string& type);

// Decodes `payload` as `type`, re-encodes it and compares bytes. With `by_value`, a
// byte difference is accepted when decoding the re-encoded bytes gives an equal value
// (for captures whose map order was arbitrary).
RoundtripResult roundtrip(const std::string& type, const wire::Bytes& payload, wire::CoreRevision revision,
                          bool by_value = false, const wire::Limits& limits = {});

// The decoded value as JSON; throws wire::DecodeError.
std::string decode_to_json(const std::string& type, const wire::Bytes& payload, wire::CoreRevision revision);

// Strips and checks a u64 big-endian length prefix; throws std::runtime_error on mismatch.
wire::Bytes unframe(const wire::Bytes& frame);

}  // namespace carton::conformance
