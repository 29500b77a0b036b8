// The codec steps the decoder and dispatch targets share: decode a payload (false when
// the decoder refuses it) and encode a value (a finding when that throws).
#pragma once

#include <cstdint>
#include <cstdio>
#include <exception>
#include <vector>

#include "carton/wire/decode_error.hpp"
#include "carton/wire/fs_codec.hpp"
#include "carton/wire/rpc_codec.hpp"
#include "fuzz_support.hpp"

namespace carton::fuzz {

template <class T>
bool decode_payload(const wire::Bytes& payload, wire::CoreRevision rev, T& out) {
  wire::Limits limits;
  limits.max_frame_bytes = kFuzzMaxFrameBytes;
  wire::Reader r(payload, wire::MessageTraits<T>::kName, rev, limits);
  try {
    decode(r, out);
    r.finish();
    return true;
  } catch (const wire::DecodeError&) {
    return false;
  }
}

// `what` names the finding when encoding throws (an EncodeError or anything else).
template <class T>
std::vector<std::uint8_t> encode_or_finding(const T& value, wire::CoreRevision rev, const char* what) {
  try {
    wire::Writer w(rev);
    encode(w, value);
    return std::move(w).finish().flatten();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "encoding a %s threw: %s\n", wire::MessageTraits<T>::kName, e.what());
    finding(what);
  }
}

}  // namespace carton::fuzz
