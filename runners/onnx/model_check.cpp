#include "model_check.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <set>

namespace carton::runners::onnx {

using ::onnx::TensorProto;

namespace {

// The number of values a typed field must hold for `numel` elements, and its size.
std::pair<std::int64_t, std::int64_t> typed_values(const TensorProto& t, std::int64_t numel) {
  switch (t.data_type()) {
    case TensorProto::FLOAT: return {numel, t.float_data_size()};
    case TensorProto::COMPLEX64: return {2 * numel, t.float_data_size()};
    case TensorProto::DOUBLE: return {numel, t.double_data_size()};
    case TensorProto::COMPLEX128: return {2 * numel, t.double_data_size()};
    case TensorProto::INT64: return {numel, t.int64_data_size()};
    case TensorProto::UINT32: case TensorProto::UINT64: return {numel, t.uint64_data_size()};
    case TensorProto::STRING: return {numel, t.string_data_size()};
    default: return {numel, t.int32_data_size()};
  }
}

class Walker {
 public:
  void tensor(const TensorProto& t, const std::string& where) {
    const std::string what = where + " (tensor '" + t.name() + "')";
    if (t.data_location() == TensorProto::EXTERNAL || t.external_data_size() > 0) {
      throw ModelError(what + " keeps its data in an external file; the runner reads model.onnx alone "
                              "(save the model with its data inside)");
    }
    if (t.dims_size() > static_cast<int>(kMaxRank)) {
      throw ModelError(what + " has " + std::to_string(t.dims_size()) + " dimensions; OpenCV takes at most " +
                       std::to_string(kMaxRank));
    }
    std::int64_t numel = 1;
    for (int i = 0; i < t.dims_size(); ++i) {
      const std::int64_t d = t.dims(i);
      if (d < 0 || d > kMaxElements || (d > 0 && numel > kMaxElements / d)) {
        throw ModelError(what + " dimension " + std::to_string(i) + " is " + std::to_string(d) +
                         ": dimensions and their product must be from 0 to " + std::to_string(kMaxElements));
      }
      numel *= d;
    }
    const std::size_t size = onnx_elem_size(t.data_type());
    if (size == 0 && t.data_type() != TensorProto::STRING) {
      throw ModelError(what + " has element type " + onnx_type_name(t.data_type()));
    }
    if (t.has_raw_data()) {
      const auto want = static_cast<std::uint64_t>(numel) * size;
      if (t.data_type() == TensorProto::STRING || t.raw_data().size() != want) {
        throw ModelError(what + " holds " + std::to_string(t.raw_data().size()) + " bytes of raw_data; its dims " +
                         "and type (" + onnx_type_name(t.data_type()) + ") need " + std::to_string(want));
      }
      return;
    }
    const auto [want, have] = typed_values(t, numel);
    if (want != have) {
      throw ModelError(what + " holds " + std::to_string(have) + " values; its dims and type (" +
                       onnx_type_name(t.data_type()) + ") need " + std::to_string(want));
    }
  }

  void graph(const ::onnx::GraphProto& g, const std::string& where) {
    if (++depth_ > kMaxDepth) throw ModelError(where + ": subgraphs nested deeper than " + std::to_string(kMaxDepth));
    for (const auto& t : g.initializer()) tensor(t, where + "initializer");
    if (g.sparse_initializer_size() > 0) {
      throw ModelError(where + "sparse initializer '" + g.sparse_initializer(0).values().name() +
                       "': OpenCV's DNN has no sparse tensors");
    }
    for (const auto& n : g.node()) {
      const std::string node = where + "node '" + (n.name().empty() ? n.output_size() ? n.output(0) : "" : n.name()) +
                               "' (" + n.op_type() + ")";
      for (const auto& a : n.attribute()) {
        const std::string at = node + " attribute '" + a.name() + "'";
        if (a.has_t()) tensor(a.t(), at);
        for (const auto& t : a.tensors()) tensor(t, at);
        if (a.has_sparse_tensor() || a.sparse_tensors_size() > 0) {
          throw ModelError(at + ": OpenCV's DNN has no sparse tensors");
        }
        if (a.has_g()) graph(a.g(), at + ": ");
        for (const auto& sub : a.graphs()) graph(sub, at + ": ");
      }
    }
    --depth_;
  }

 private:
  // protobuf refuses messages nested deeper than 100, so this is never the limit for a
  // model that parsed; it bounds the recursion regardless.
  static constexpr int kMaxDepth = 100;
  int depth_ = 0;
};

ValueSpec value_spec(const ::onnx::ValueInfoProto& v, const char* kind, bool is_input) {
  const std::string what = std::string(kind) + " '" + v.name() + "'";
  if (!v.type().has_tensor_type()) {
    const char* type = v.type().has_sequence_type() ? "a sequence"
                       : v.type().has_map_type()    ? "a map"
                       : v.type().has_optional_type() ? "an optional"
                       : v.type().has_sparse_tensor_type() ? "a sparse tensor" : "of no type";
    throw ModelError("graph " + what + " is " + type + "; the runner takes and gives tensors only");
  }
  const auto& tt = v.type().tensor_type();
  ValueSpec s;
  s.name = v.name();
  s.elem_type = tt.elem_type();
  const auto dtype = carton_dtype(s.elem_type);
  if (!dtype) {
    throw ModelError("graph " + what + " is " + onnx_type_name(s.elem_type) +
                     ", which the runner does not support (carton has no such dtype, or OpenCV cannot compute it)");
  }
  s.dtype = *dtype;
  s.ranked = tt.has_shape();
  if (tt.shape().dim_size() > static_cast<int>(kMaxRank)) {
    throw ModelError("graph " + what + " has " + std::to_string(tt.shape().dim_size()) +
                     " dimensions; OpenCV takes at most " + std::to_string(kMaxRank));
  }
  for (int i = 0; i < tt.shape().dim_size(); ++i) {
    const auto& d = tt.shape().dim(i);
    if (d.has_dim_value()) {
      if (d.dim_value() < 0 || d.dim_value() > kMaxElements) {
        throw ModelError("graph " + what + " dimension " + std::to_string(i) + " is " +
                         std::to_string(d.dim_value()) + "; it must be from 0 to " + std::to_string(kMaxElements));
      }
      s.dims.emplace_back(d.dim_value());
    } else {
      if (is_input && d.dim_param().empty()) {
        throw ModelError("graph " + what + " dimension " + std::to_string(i) +
                         " has neither a size nor a name; OpenCV's importer would take it as 0 (name it, e.g. "
                         "dim_param \"N\", to make it dynamic)");
      }
      s.dims.emplace_back(std::nullopt);
    }
    s.dim_names.push_back(d.dim_param());
  }
  return s;
}

}  // namespace

std::size_t onnx_elem_size(std::int32_t t) {
  switch (t) {
    case TensorProto::FLOAT: case TensorProto::INT32: case TensorProto::UINT32: return 4;
    case TensorProto::DOUBLE: case TensorProto::INT64: case TensorProto::UINT64: case TensorProto::COMPLEX64: return 8;
    case TensorProto::COMPLEX128: return 16;
    case TensorProto::INT16: case TensorProto::UINT16: case TensorProto::FLOAT16: case TensorProto::BFLOAT16: return 2;
    case TensorProto::INT8: case TensorProto::UINT8: case TensorProto::BOOL: return 1;
    default: return 0;
  }
}

std::string onnx_type_name(std::int32_t t) {
  switch (t) {
    case TensorProto::FLOAT: return "float32";
    case TensorProto::DOUBLE: return "float64";
    case TensorProto::FLOAT16: return "float16";
    case TensorProto::BFLOAT16: return "bfloat16";
    case TensorProto::INT8: return "int8";
    case TensorProto::INT16: return "int16";
    case TensorProto::INT32: return "int32";
    case TensorProto::INT64: return "int64";
    case TensorProto::UINT8: return "uint8";
    case TensorProto::UINT16: return "uint16";
    case TensorProto::UINT32: return "uint32";
    case TensorProto::UINT64: return "uint64";
    case TensorProto::BOOL: return "bool";
    case TensorProto::STRING: return "string";
    case TensorProto::COMPLEX64: return "complex64";
    case TensorProto::COMPLEX128: return "complex128";
    default: return "elem_type " + std::to_string(t);
  }
}

std::optional<wire::DType> carton_dtype(std::int32_t t) {
  switch (t) {
    case TensorProto::FLOAT: case TensorProto::FLOAT16: case TensorProto::BFLOAT16: return wire::DType::kFloat32;
    case TensorProto::DOUBLE: return wire::DType::kFloat64;
    case TensorProto::INT8: return wire::DType::kInt8;
    case TensorProto::INT16: return wire::DType::kInt16;
    case TensorProto::INT32: return wire::DType::kInt32;
    case TensorProto::INT64: return wire::DType::kInt64;
    case TensorProto::UINT8: case TensorProto::BOOL: return wire::DType::kUInt8;
    case TensorProto::UINT16: return wire::DType::kUInt16;
    case TensorProto::UINT32: return wire::DType::kUInt32;
    case TensorProto::UINT64: return wire::DType::kUInt64;
    default: return std::nullopt;  // string, complex: see tensor_mapping.hpp
  }
}

std::int64_t ModelInfo::opset_of(const std::string& domain) const {
  const std::string d = domain == "ai.onnx" ? "" : domain;
  for (const auto& o : opsets) {
    if (o.domain == d || (d.empty() && o.domain == "ai.onnx")) return o.version;
  }
  return 0;
}

const NodeInfo* ModelInfo::node_making(const std::string& output) const {
  for (const auto& n : nodes) {
    if (!n.name.empty() && n.name == output) return &n;
    for (const auto& o : n.outputs) {
      if (o == output) return &n;
    }
  }
  return nullptr;
}

std::string ModelInfo::describe(const NodeInfo& n) const {
  const std::string domain = n.domain.empty() ? "ai.onnx" : n.domain;
  std::string s = "node '" + (n.name.empty() ? (n.outputs.empty() ? std::string() : n.outputs[0]) : n.name) + "' (" +
                  n.op_type + ", " + domain + " opset " + std::to_string(opset_of(n.domain)) + ")";
  return s;
}

ModelInfo check_model(const wire::Bytes& bytes, const std::string& file) {
  if (bytes.size() > kMaxModelBytes) {
    throw ModelError(file + " is " + std::to_string(bytes.size()) + " bytes; protobuf parses at most " +
                     std::to_string(kMaxModelBytes));
  }
  ::onnx::ModelProto model;
  if (bytes.size() == 0 || !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw ModelError(file + " (" + std::to_string(bytes.size()) + " bytes) is not an ONNX model: it does not parse "
                     "as an onnx.ModelProto (truncated or not protobuf)");
  }
  if (!model.has_graph() || model.graph().node_size() == 0) {
    throw ModelError(file + ": the graph has no nodes");
  }
  try {
    // External data first: the checker would look for such a file on this disk.
    Walker().graph(model.graph(), "");
  } catch (const ModelError& e) {
    throw ModelError(file + ": " + e.what());
  }
  try {
    ::onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw ModelError(file + " fails ONNX's checker (libonnx " CARTON_ONNX_VERSION "): " + e.what());
  }
  ModelInfo info;
  info.ir_version = model.ir_version();
  info.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
  for (const auto& o : model.opset_import()) info.opsets.push_back({o.domain(), o.version()});
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  try {
    for (const auto& v : model.graph().input()) {
      if (!initializers.count(v.name())) info.inputs.push_back(value_spec(v, "input", true));
    }
    for (const auto& v : model.graph().output()) info.outputs.push_back(value_spec(v, "output", false));
  } catch (const ModelError& e) {
    throw ModelError(file + ": " + e.what());
  }
  if (info.outputs.empty()) throw ModelError(file + ": the graph has no outputs");
  for (const auto& n : model.graph().node()) {
    info.nodes.push_back({n.name(), n.op_type(), n.domain(), {n.output().begin(), n.output().end()}});
  }
  return info;
}

}  // namespace carton::runners::onnx
