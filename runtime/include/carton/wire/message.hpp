// Whole-message decode and encode: the entry points for one frame's payload.
#pragma once

#include "carton/wire/encoded.hpp"
#include "carton/wire/limits.hpp"
#include "carton/wire/reader.hpp"
#include "carton/wire/writer.hpp"

namespace carton::wire {

// Specialized by generated code for every `message` table: kName (the schema name),
// kToolName (carton-wire --type), kChannel, kDirection.
template <class M>
struct MessageTraits;

// Decodes one frame payload; throws DecodeError. Bytes after the message are an error.
template <class M>
M decode_message(const Bytes& payload, CoreRevision revision, const Limits& limits = {}) {
  Reader r(payload, MessageTraits<M>::kName, revision, limits);
  M m{};
  decode(r, m);
  r.finish();
  return m;
}

// Encodes one frame payload (without the length prefix); throws EncodeError.
template <class M>
Encoded encode_message(const M& m, CoreRevision revision, const Limits& limits = {}) {
  Writer w(revision, limits);
  encode(w, m);
  return std::move(w).finish();
}

}  // namespace carton::wire
