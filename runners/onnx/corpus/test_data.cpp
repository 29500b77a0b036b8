#include "test_data.hpp"

#include "model_check.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>

namespace carton::onnx_corpus {

namespace stdfs = std::filesystem;
using onnx::TensorProto;
using carton::runners::onnx::onnx_elem_size;
using carton::runners::onnx::onnx_type_name;

namespace {

double half_to_double(std::uint16_t h) {
  const int sign = h >> 15, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  double v;
  if (exp == 0) v = std::ldexp(frac, -24);
  else if (exp == 31) v = frac ? NAN : INFINITY;
  else v = std::ldexp(frac + 1024, exp - 25);
  return sign ? -v : v;
}

double bfloat16_to_double(std::uint16_t b) {
  const std::uint32_t bits = std::uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

template <class T>
void append(std::vector<std::uint8_t>& out, T v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}

// The typed repeated fields of a TensorProto without raw_data, as little-endian bytes.
std::vector<std::uint8_t> typed_data(const TensorProto& t) {
  std::vector<std::uint8_t> out;
  switch (t.data_type()) {
    case TensorProto::FLOAT:
    case TensorProto::COMPLEX64:
      for (float v : t.float_data()) append(out, v);
      break;
    case TensorProto::DOUBLE:
    case TensorProto::COMPLEX128:
      for (double v : t.double_data()) append(out, v);
      break;
    case TensorProto::INT64:
      for (auto v : t.int64_data()) append(out, std::int64_t(v));
      break;
    case TensorProto::UINT32:
      for (auto v : t.uint64_data()) append(out, std::uint32_t(v));
      break;
    case TensorProto::UINT64:
      for (auto v : t.uint64_data()) append(out, std::uint64_t(v));
      break;
    case TensorProto::INT32:
      for (auto v : t.int32_data()) append(out, std::int32_t(v));
      break;
    case TensorProto::INT16:
      for (auto v : t.int32_data()) append(out, std::int16_t(v));
      break;
    case TensorProto::UINT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      for (auto v : t.int32_data()) append(out, std::uint16_t(v));
      break;
    case TensorProto::INT8:
      for (auto v : t.int32_data()) append(out, std::int8_t(v));
      break;
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      for (auto v : t.int32_data()) append(out, std::uint8_t(v));
      break;
    default:
      break;
  }
  return out;
}

Array array_of(const TensorProto& t, const stdfs::path& file) {
  Array a;
  a.name = t.name();
  a.elem_type = t.data_type();
  a.shape.assign(t.dims().begin(), t.dims().end());
  if (a.elem_type == TensorProto::STRING) {
    a.strings.assign(t.string_data().begin(), t.string_data().end());
    return a;
  }
  if (onnx_elem_size(a.elem_type) == 0) throw std::runtime_error(file.string() + ": unknown elem_type " + std::to_string(a.elem_type));
  if (t.has_raw_data()) {
    a.data.assign(t.raw_data().begin(), t.raw_data().end());
  } else {
    a.data = typed_data(t);
  }
  if (a.data.size() != a.numel() * onnx_elem_size(a.elem_type)) {
    throw std::runtime_error(file.string() + ": " + std::to_string(a.data.size()) + " bytes of data for " +
                             std::to_string(a.numel()) + " elements of " + onnx_type_name(a.elem_type));
  }
  return a;
}

Array read_tensor(const stdfs::path& file) {
  const auto bytes = read_file(file);
  TensorProto t;
  if (!t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw std::runtime_error(file.string() + ": not an onnx.TensorProto");
  }
  return array_of(t, file);
}

ValueInfo value_info(const onnx::ValueInfoProto& v) {
  ValueInfo out;
  out.name = v.name();
  out.is_tensor = v.type().has_tensor_type();
  if (out.is_tensor) out.elem_type = v.type().tensor_type().elem_type();
  return out;
}

std::vector<stdfs::path> numbered(const stdfs::path& dir, const std::string& prefix) {
  std::vector<stdfs::path> out;
  for (std::size_t i = 0;; ++i) {
    const auto p = dir / (prefix + std::to_string(i) + ".pb");
    if (!stdfs::exists(p)) return out;
    out.push_back(p);
  }
}

std::vector<DataSet> read_sets(const TestCase& tc, const std::vector<stdfs::path>& set_dirs);

// The file's tensor under the graph's name. The corpus stores bfloat16 data as uint16
// bits (numpy has no bfloat16); the graph says what they are.
Array as_declared(Array a, const ValueInfo& v) {
  a.name = v.name;
  if (v.elem_type == TensorProto::BFLOAT16 && a.elem_type == TensorProto::UINT16) a.elem_type = TensorProto::BFLOAT16;
  return a;
}

}  // namespace

std::uint64_t Array::numel() const {
  std::uint64_t n = 1;
  for (auto d : shape) n *= static_cast<std::uint64_t>(d);
  return n;
}

std::string elem_type_name(std::int32_t elem_type) { return onnx_type_name(elem_type); }

std::vector<double> to_doubles(const Array& a) {
  const std::uint64_t n = a.numel();
  std::vector<double> out(n);
  const auto* p = a.data.data();
  auto get = [&](auto tag, std::uint64_t i) {
    decltype(tag) v;
    std::memcpy(&v, p + i * sizeof v, sizeof v);
    return v;
  };
  for (std::uint64_t i = 0; i < n; ++i) {
    switch (a.elem_type) {
      case TensorProto::FLOAT: out[i] = get(float{}, i); break;
      case TensorProto::DOUBLE: out[i] = get(double{}, i); break;
      case TensorProto::INT8: out[i] = get(std::int8_t{}, i); break;
      case TensorProto::INT16: out[i] = get(std::int16_t{}, i); break;
      case TensorProto::INT32: out[i] = get(std::int32_t{}, i); break;
      case TensorProto::INT64: out[i] = static_cast<double>(get(std::int64_t{}, i)); break;
      case TensorProto::UINT8: case TensorProto::BOOL: out[i] = get(std::uint8_t{}, i); break;
      case TensorProto::UINT16: out[i] = get(std::uint16_t{}, i); break;
      case TensorProto::UINT32: out[i] = get(std::uint32_t{}, i); break;
      case TensorProto::UINT64: out[i] = static_cast<double>(get(std::uint64_t{}, i)); break;
      case TensorProto::FLOAT16: out[i] = half_to_double(get(std::uint16_t{}, i)); break;
      case TensorProto::BFLOAT16: out[i] = bfloat16_to_double(get(std::uint16_t{}, i)); break;
      default: throw std::runtime_error("no numeric values for " + onnx_type_name(a.elem_type));
    }
  }
  return out;
}

std::vector<std::uint8_t> read_file(const stdfs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<stdfs::path> find_tests(const stdfs::path& root) {
  std::vector<stdfs::path> out;
  if (stdfs::exists(root / "model.onnx")) return {root};
  for (const auto& e : stdfs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().filename() == "model.onnx") out.push_back(e.path().parent_path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TestCase read_test(const stdfs::path& dir) {
  TestCase tc;
  tc.dir = dir;
  tc.name = dir.filename().string();
  tc.category = dir.parent_path().filename().string();
  const auto model_bytes = read_file(dir / "model.onnx");
  onnx::ModelProto model;
  if (!model.ParseFromArray(model_bytes.data(), static_cast<int>(model_bytes.size()))) {
    tc.data_error = "model.onnx is not an onnx.ModelProto protobuf parses";
    return tc;
  }
  std::set<std::string> initializers;
  for (const auto& init : model.graph().initializer()) initializers.insert(init.name());
  for (const auto& v : model.graph().input()) {
    if (!initializers.count(v.name())) tc.inputs.push_back(value_info(v));
  }
  for (const auto& v : model.graph().output()) tc.outputs.push_back(value_info(v));

  std::vector<stdfs::path> set_dirs;
  for (const auto& e : stdfs::directory_iterator(dir)) {
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) set_dirs.push_back(e.path());
  }
  std::sort(set_dirs.begin(), set_dirs.end());
  try {
    tc.sets = read_sets(tc, set_dirs);
  } catch (const std::exception& e) {
    tc.data_error = e.what();
  }
  return tc;
}

namespace {

std::vector<DataSet> read_sets(const TestCase& tc, const std::vector<stdfs::path>& set_dirs) {
  std::vector<DataSet> sets;
  for (const auto& sd : set_dirs) {
    DataSet set;
    set.dir = sd;
    const auto in_files = numbered(sd, "input_");
    const auto out_files = numbered(sd, "output_");
    if (in_files.size() > tc.inputs.size() || out_files.size() != tc.outputs.size()) {
      throw std::runtime_error(sd.string() + ": " + std::to_string(in_files.size()) + " inputs and " +
                               std::to_string(out_files.size()) + " outputs for a graph of " +
                               std::to_string(tc.inputs.size()) + " and " + std::to_string(tc.outputs.size()));
    }
    for (std::size_t i = 0; i < in_files.size(); ++i) {
      if (!tc.inputs[i].is_tensor) throw std::runtime_error("input '" + tc.inputs[i].name + "' is not a tensor");
      set.inputs.push_back(as_declared(read_tensor(in_files[i]), tc.inputs[i]));
    }
    for (std::size_t i = 0; i < out_files.size(); ++i) {
      if (!tc.outputs[i].is_tensor) throw std::runtime_error("output '" + tc.outputs[i].name + "' is not a tensor");
      set.outputs.push_back(as_declared(read_tensor(out_files[i]), tc.outputs[i]));
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace

}  // namespace carton::onnx_corpus
