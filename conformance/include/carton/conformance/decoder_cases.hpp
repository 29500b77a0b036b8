// Decoder conformance cases: text files in conformance/cases/, one case each.
//
//   # What the case checks and why (free text).
//   # type: rpc-request              (a carton-wire type name)
//   # revision: 0.0.1                (optional; default 0.0.1)
//   # framed: yes                    (optional: the bytes start with the u64 BE length)
//   # max-frame-bytes: 64            (optional limits)
//   # max-depth: 4
//   # expect: PASS | <decode error kind, e.g. "bad tag", "truncated">
//   00 00 00 00 00 00 00 00   # hex bytes; anything after '#' is a comment
//
// The expected outcome is either PASS (decodes, and re-encodes to the same bytes) or
// the name of the DecodeErrorKind the decoder must report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carton/wire/common_types.hpp"
#include "carton/wire/limits.hpp"
#include "carton/wire/revisions.hpp"

namespace carton::conformance {

struct DecoderCase {
  std::string name;  // file name without extension
  std::string type;
  wire::CoreRevision revision = wire::kDefaultCoreRevision;
  bool framed = false;
  wire::Limits limits;
  std::string expect;  // "PASS" or a DecodeErrorKind name
  std::vector<std::uint8_t> bytes;
};

struct CaseResult {
  bool ok = false;
  std::string got;  // "PASS" or the error kind
  std::string message;
};

// Reads every *.case file in `dir`, sorted by name; throws std::runtime_error naming the
// file and line of a malformed case.
std::vector<DecoderCase> load_decoder_cases(const std::string& dir);
CaseResult run_decoder_case(const DecoderCase& c);

}  // namespace carton::conformance
