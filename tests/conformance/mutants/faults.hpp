// The faults of carton-runner-mutant: carton's noop runner (examples/noop_runner) with
// one bug switched on, picked by CARTON_MUTANT=<name> or --mutant <name>. Each is a bug
// a runner author could write; test_mutants.py runs the suite against each and requires
// it to FAIL, naming the case that catches it (docs/conformance.md, "Mutants").
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace carton::mutants {

enum class Fault {
  kNone,
  // Replies and the stream.
  kWrongId, kReusedId, kMissingReplyConcurrent, kNoComplete, kExtraComplete, kPartialBeforeFinal,
  kWrongRevision, kStrayBytes, kStrayFrame,
  // The tensors of Infer replies.
  kDropLastTensor, kAddTensor, kRenameTensor, kSwapFirstLast, kRotateValues, kNamesSortedValuesNot,
  kDtypeSignFlipped, kShapeFlattened, kShapeReversed, kStridesDropped, kStringTruncated, kLongStringCut,
  kStringsReencoded, kNanCanonical, kNegZeroCanonical, kFloat64Narrowed, kLargeTensorTail, kEmptyDropped,
  kScalarAsVector, kCrossRequest, kStreamingSplit,
  // What the handler answers.
  kSealSameHandle, kSealWrongSeal, kPackPathChanged, kPackPathMissing, kLoadRejectsOptions, kLoadRejectsGpu,
  kFailAfter50, kStreamingEmpty,
  kErrorLoad, kErrorPack, kErrorSeal, kErrorInferWithTensors, kErrorInferWithHandle,
  kAbortLoad, kAbortPack, kAbortSeal, kAbortInferWithTensors, kAbortInferWithHandle,
  kHangLoad, kHangPack, kHangSeal, kHangInferWithTensors, kHangInferWithHandle,
  // Resources and the process.
  kLeakPerInfer, kFdLeakPerRequest, kNoLogs, kLingerAfterEof, kNoParentDeath, kExitNonzero, kExclusiveInstance,
};

struct FaultInfo {
  Fault fault;
  const char* name;  // as CARTON_MUTANT takes it
  const char* what;  // the bug, in a line
};

// Every fault but kNone, in the order above.
const std::vector<FaultInfo>& faults();
std::optional<Fault> parse_fault(std::string_view name);

// For the per-request faults (error, abort, hang): the request variant they hit, as
// the index into wire::RPCRequestData; nullopt for the others.
std::optional<std::size_t> error_in(Fault f);
std::optional<std::size_t> abort_in(Fault f);
std::optional<std::size_t> hang_in(Fault f);

}  // namespace carton::mutants
