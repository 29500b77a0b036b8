// Model check: what the runner makes sure of in model.onnx before OpenCV's importer
// sees it, and what it learns there (the graph's inputs and outputs).
//
// Why: OpenCV 4.6's importer trusts the protobuf. On damaged models it reads past
// buffers and divides by zero (runners/onnx/corpus/mutate.py found 26 crashes in 841
// damaged copies of corpus models, 25 of them in the importer; docs/runners/onnx.md
// lists them). So, in order, each step an error that names what failed:
//   1. the bytes parse as an onnx.ModelProto (libonnx_proto, protobuf's parser);
//   2. ONNX's own checker (onnx::checker::check_model from libonnx): every node's
//      inputs defined before it, known operators with the right input counts, opsets
//      libonnx 1.12 knows, tensors with exactly one data field, ...;
//   3. what the checker leaves out and OpenCV relies on: every tensor in the graph
//      (initializers, Constant values, attributes, in subgraphs too) holds exactly the
//      data its dims say, dims are in range and their product does not overflow, no
//      data is stored outside model.onnx, ranks fit a cv::Mat, and every graph input's
//      dimension has a size or a name (OpenCV takes a dimension with neither as 0).
// What is left (an operator attribute OpenCV trusts, e.g. a pooling kernel of 2^31) is
// for the import check in a child process (import_check.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "carton/wire/bytes.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::runners::onnx {

// A cv::Mat has at most CV_MAX_DIM (32) dimensions; OpenCV's importer makes one of
// every tensor, and a graph input of higher rank crashed it (SIGFPE).
constexpr std::size_t kMaxRank = 32;
// OpenCV indexes a tensor's dimensions and elements with int: a larger one overflows.
constexpr std::int64_t kMaxElements = 0x7fffffff;
// protobuf's parser takes at most 2 GiB - 1 (an int size); larger models are refused.
constexpr std::size_t kMaxModelBytes = 0x7fffffff;

class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One graph input or output, as the model declares it.
struct ValueSpec {
  std::string name;
  std::int32_t elem_type = 0;  // onnx::TensorProto_DataType
  wire::DType dtype = wire::DType::kFloat32;
  // One entry per dimension: its size, or nullopt for a named (dynamic) or unknown one.
  // `ranked` is false when the model declares no shape at all.
  std::vector<std::optional<std::int64_t>> dims;
  std::vector<std::string> dim_names;  // the dim_param, "" where there is none
  bool ranked = false;
};

struct OpsetInfo {
  std::string domain;  // "" is ai.onnx
  std::int64_t version = 0;
};

// A node, for error messages: "node 'conv1' (Conv, ai.onnx opset 13)".
struct NodeInfo {
  std::string name, op_type, domain;
  std::vector<std::string> outputs;
};

struct ModelInfo {
  std::vector<ValueSpec> inputs, outputs;  // inputs without initializers
  std::vector<OpsetInfo> opsets;
  std::vector<NodeInfo> nodes;  // the main graph's
  std::int64_t ir_version = 0;
  std::string producer;  // "pytorch 1.13.1"
  std::int64_t opset_of(const std::string& domain) const;  // 0 when not imported
  // The node named `output`, or the one that makes the value `output`, or null
  // (OpenCV names a layer after its node, or its first output when it has no name).
  const NodeInfo* node_making(const std::string& output) const;
  std::string describe(const NodeInfo& node) const;
};

// Steps 1 to 3 of the header comment on `file`'s bytes; `file` names it in errors.
// Throws ModelError naming the first thing that fails.
ModelInfo check_model(const wire::Bytes& bytes, const std::string& file);

// "float16" for an onnx::TensorProto_DataType; "elem_type 99" when unknown.
std::string onnx_type_name(std::int32_t elem_type);
// Bytes per element of an onnx::TensorProto_DataType; 0 for string and unknown types.
std::size_t onnx_elem_size(std::int32_t elem_type);
// The carton dtype an ONNX element type maps to (tensor_mapping.hpp), or nullopt.
std::optional<wire::DType> carton_dtype(std::int32_t elem_type);

}  // namespace carton::runners::onnx
