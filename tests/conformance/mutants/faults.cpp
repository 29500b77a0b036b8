#include "faults.hpp"

namespace carton::mutants {

const std::vector<FaultInfo>& faults() {
  static const std::vector<FaultInfo> all = {
      {Fault::kWrongId, "wrong_id", "every reply carries its request's id + 1"},
      {Fault::kReusedId, "reused_id", "each reply carries the id of the request before it"},
      {Fault::kMissingReplyConcurrent, "missing_reply_concurrent",
       "a reply is dropped when a later request arrived while it was being answered"},
      {Fault::kNoComplete, "no_complete", "final replies go out with complete: false"},
      {Fault::kExtraComplete, "extra_complete", "every reply is sent twice, both complete"},
      {Fault::kPartialBeforeFinal, "partial_before_final",
       "a non-streaming infer gets a complete: false copy of its reply first"},
      {Fault::kWrongRevision, "wrong_revision", "speaks the other core revision than it was told"},
      {Fault::kStrayBytes, "stray_bytes", "writes a text line onto the RPC socket before its first Load reply"},
      {Fault::kStrayFrame, "stray_frame", "sends an undecodable frame before its first Load reply"},
      {Fault::kDropLastTensor, "drop_last_tensor", "the last of several output tensors is dropped"},
      {Fault::kAddTensor, "add_tensor", "an output tensor nobody asked for is added"},
      {Fault::kRenameTensor, "rename_tensor", "the first output tensor is renamed"},
      {Fault::kSwapFirstLast, "swap_first_last", "the values of the first and last output tensors are swapped"},
      {Fault::kRotateValues, "rotate_values", "each output name gets the value of the next tensor"},
      {Fault::kNamesSortedValuesNot, "names_sorted_values_not",
       "output names are paired in sorted order with values in arrival order"},
      {Fault::kDtypeSignFlipped, "dtype_sign_flipped", "integer dtype tags swap signedness (int32 <-> uint32, ...)"},
      {Fault::kShapeFlattened, "shape_flattened", "tensors of 2 or more dimensions come back flat"},
      {Fault::kShapeReversed, "shape_reversed", "the shape's dimensions come back reversed"},
      {Fault::kStridesDropped, "strides_dropped", "strides are dropped"},
      {Fault::kStringTruncated, "string_truncated", "each non-empty string loses its last character"},
      {Fault::kLongStringCut, "long_string_cut", "strings longer than 256 bytes are cut to 256"},
      {Fault::kStringsReencoded, "strings_reencoded", "strings are read as Latin-1 and re-encoded to UTF-8"},
      {Fault::kNanCanonical, "nan_canonical", "NaN payloads are replaced by the canonical quiet NaN"},
      {Fault::kNegZeroCanonical, "negzero_canonical", "-0.0 comes back as +0.0"},
      {Fault::kFloat64Narrowed, "float64_narrowed", "float64 tensors come back as float32"},
      {Fault::kLargeTensorTail, "large_tensor_tail", "storage past the first MiB comes back zeroed"},
      {Fault::kEmptyDropped, "empty_dropped", "tensors with no elements are dropped"},
      {Fault::kScalarAsVector, "scalar_as_vector", "scalars (shape []) come back with shape [1]"},
      {Fault::kCrossRequest, "cross_request", "two InferWithTensors handled at once get each other's outputs"},
      {Fault::kStreamingSplit, "streaming_split",
       "a streaming infer sends each output tensor in its own partial reply, then Empty"},
      {Fault::kSealSameHandle, "seal_same_handle", "every Seal answers handle 0, the latest seal replacing the others"},
      {Fault::kSealWrongSeal, "seal_wrong_seal", "InferWithHandle answers from the latest seal, whatever the handle"},
      {Fault::kPackPathChanged, "pack_path_changed", "Pack answers temp_folder instead of input_path"},
      {Fault::kPackPathMissing, "pack_path_missing", "Pack answers a path that does not exist"},
      {Fault::kLoadRejectsOptions, "load_rejects_options", "Load answers Error when given runner_opts"},
      {Fault::kLoadRejectsGpu, "load_rejects_gpu", "Load answers Error for a GPU device"},
      {Fault::kFailAfter50, "fail_after_50", "infers answer Error from the 50th on"},
      {Fault::kStreamingEmpty, "streaming_empty", "a streaming infer is answered Empty, without its outputs"},
      {Fault::kErrorLoad, "error_load", "Load answers Error"},
      {Fault::kErrorPack, "error_pack", "Pack answers Error"},
      {Fault::kErrorSeal, "error_seal", "Seal answers Error"},
      {Fault::kErrorInferWithTensors, "error_infer_with_tensors", "InferWithTensors answers Error"},
      {Fault::kErrorInferWithHandle, "error_infer_with_handle", "InferWithHandle answers Error"},
      {Fault::kAbortLoad, "abort_load", "abort() in Load"},
      {Fault::kAbortPack, "abort_pack", "abort() in Pack"},
      {Fault::kAbortSeal, "abort_seal", "abort() in Seal"},
      {Fault::kAbortInferWithTensors, "abort_infer_with_tensors", "abort() in InferWithTensors"},
      {Fault::kAbortInferWithHandle, "abort_infer_with_handle", "abort() in InferWithHandle"},
      {Fault::kHangLoad, "hang_load", "Load is never answered"},
      {Fault::kHangPack, "hang_pack", "Pack is never answered"},
      {Fault::kHangSeal, "hang_seal", "Seal is never answered"},
      {Fault::kHangInferWithTensors, "hang_infer_with_tensors", "InferWithTensors is never answered"},
      {Fault::kHangInferWithHandle, "hang_infer_with_handle", "InferWithHandle is never answered"},
      {Fault::kLeakPerInfer, "leak_per_infer", "1 MiB is kept for every InferWithTensors"},
      {Fault::kFdLeakPerRequest, "fd_leak_per_request", "a file descriptor is opened for every request and kept"},
      {Fault::kNoLogs, "no_logs", "no log record is ever forwarded to the core"},
      {Fault::kLingerAfterEof, "linger_after_eof", "keeps running after the core drops it"},
      {Fault::kNoParentDeath, "no_parent_death",
       "clears PR_SET_PDEATHSIG: outlives its core's process while the sockets stay open"},
      {Fault::kExitNonzero, "exit_nonzero", "exits with status 3 when the core drops it"},
      {Fault::kExclusiveInstance, "exclusive_instance",
       "takes a lock on a fixed path at start and exits if another instance holds it"},
  };
  return all;
}

std::optional<Fault> parse_fault(std::string_view name) {
  if (name.empty() || name == "none") return Fault::kNone;
  for (const auto& f : faults()) {
    if (name == f.name) return f.fault;
  }
  return std::nullopt;
}

namespace {
// The five request variants in wire order: Load, Pack, Seal, InferWithTensors, InferWithHandle.
std::optional<std::size_t> index_in(Fault f, Fault first) {
  const int i = static_cast<int>(f) - static_cast<int>(first);
  if (i < 0 || i >= 5) return std::nullopt;
  return static_cast<std::size_t>(i);
}
}  // namespace

std::optional<std::size_t> error_in(Fault f) { return index_in(f, Fault::kErrorLoad); }
std::optional<std::size_t> abort_in(Fault f) { return index_in(f, Fault::kAbortLoad); }
std::optional<std::size_t> hang_in(Fault f) { return index_in(f, Fault::kHangLoad); }

}  // namespace carton::mutants
