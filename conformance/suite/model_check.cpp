#include "suite/model_check.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <type_traits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "carton/runner/tensor_access.hpp"
#include "carton/wire/json_tensors.hpp"
#include "carton/wire/json_value.hpp"

namespace carton::conformance::suite {

namespace {

using wire::DType;
using wire::JsonValue;
using wire::Tensor;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw wire::JsonError("cannot read " + path);
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxModelCheckBytes) {
      throw wire::JsonError(path + " is larger than the limit of " + std::to_string(kMaxModelCheckBytes) + " bytes");
    }
  }
  return text;
}

double tolerance(const JsonValue* v, double fallback, const std::string& where) {
  if (!v) return fallback;
  const double d = v->kind == JsonValue::Kind::kNumber ? std::strtod(v->text.c_str(), nullptr) : -1;
  if (v->kind != JsonValue::Kind::kNumber || !(d >= 0) || std::isinf(d)) {
    throw wire::JsonError(where + ": expected a tolerance >= 0, got " +
                          (v->kind == JsonValue::Kind::kNumber ? v->text : json_kind_name(v->kind)));
  }
  return d;
}

wire::RunnerOpt runner_opt(const std::string& name, const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::kBool: return wire::BooleanOpt{v.boolean};
    case JsonValue::Kind::kString: return wire::StringOpt{v.text};
    case JsonValue::Kind::kNumber:
      if (v.is_integer()) {
        errno = 0;
        const long long i = std::strtoll(v.text.c_str(), nullptr, 10);
        if (errno == ERANGE) throw wire::JsonError("\"runner_opts\" \"" + name + "\": " + v.text + " is outside int64");
        return wire::IntegerOpt{i};
      }
      return wire::DoubleOpt{std::strtod(v.text.c_str(), nullptr)};
    default:
      throw wire::JsonError("\"runner_opts\" \"" + name + "\": expected an integer, a float, a string or a boolean, got " +
                            json_kind_name(v.kind));
  }
}

// "inputs" and "outputs" hold the tensors, or name a JSON file holding them (relative to
// the check's own file): ref-core's `load-infer --input F.json` takes the same file,
// and its OUTPUT line is such an object.
JsonValue tensors_or_file(const JsonValue& v, const std::string& check_path, const char* key) {
  if (v.kind != JsonValue::Kind::kString) return v;
  const std::filesystem::path file = std::filesystem::path(check_path).parent_path() / v.text;
  try {
    return wire::parse_json(read_file(file.string()));
  } catch (const wire::JsonError& e) {
    throw wire::JsonError("\"" + std::string(key) + "\" names " + file.string() + ": " + e.what());
  }
}

ModelCheck parse(const std::string& path, const JsonValue& root) {
  if (root.kind != JsonValue::Kind::kObject) {
    throw wire::JsonError(std::string("expected an object with \"inputs\" and \"outputs\", got ") +
                          json_kind_name(root.kind));
  }
  for (const auto& [key, value] : root.members) {
    if (key != "description" && key != "inputs" && key != "outputs" && key != "rtol" && key != "atol" &&
        key != "runner_opts") {
      throw wire::JsonError("unknown key \"" + key + "\"; a model check has inputs, outputs, rtol, atol, "
                            "runner_opts and description");
    }
  }
  ModelCheck check;
  check.file = path;
  if (const auto* d = root.find("description")) {
    if (d->kind != JsonValue::Kind::kString) throw wire::JsonError("expected \"description\" to be a string");
    check.description = d->text;
  }
  if (!root.find("inputs") || !root.find("outputs")) {
    throw wire::JsonError("a model check needs both \"inputs\" and \"outputs\"");
  }
  check.inputs = wire::tensors_from_json(tensors_or_file(*root.find("inputs"), path, "inputs"), "input");
  const JsonValue outputs_value = tensors_or_file(*root.find("outputs"), path, "outputs");
  const JsonValue* outputs = &outputs_value;
  if (outputs->kind != JsonValue::Kind::kObject || outputs->members.empty()) {
    throw wire::JsonError("expected \"outputs\" to be an object naming at least one tensor, or a file holding one");
  }
  const double rtol = tolerance(root.find("rtol"), kDefaultRtol, "\"rtol\"");
  const double atol = tolerance(root.find("atol"), kDefaultAtol, "\"atol\"");
  for (const auto& [name, value] : outputs->members) {
    const std::string where = "output \"" + name + "\"";
    ExpectedOutput out;
    out.name = name;
    out.tensor = wire::tensor_from_json(value, where, {"rtol", "atol"});
    out.rtol = tolerance(value.find("rtol"), rtol, where + " \"rtol\"");
    out.atol = tolerance(value.find("atol"), atol, where + " \"atol\"");
    check.outputs.push_back(std::move(out));
  }
  if (const auto* opts = root.find("runner_opts")) {
    if (opts->kind != JsonValue::Kind::kObject) throw wire::JsonError("expected \"runner_opts\" to be an object");
    check.runner_opts.emplace();
    for (const auto& [name, value] : opts->members) check.runner_opts->insert_or_assign(name, runner_opt(name, value));
  }
  return check;
}

// ---- comparison ----------------------------------------------------------------------

std::string index_text(const wire::Shape& shape, std::uint64_t linear) {
  std::vector<std::uint64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = linear % shape[d];
    linear /= shape[d];
  }
  std::string out = "[";
  for (std::size_t d = 0; d < idx.size(); ++d) out += (d ? ", " : "") + std::to_string(idx[d]);
  return out + "]";
}

// Where the element at C-order position `linear` sits in storage, for a layout that
// runner::checked_layout() found inside it.
std::uint64_t storage_offset(const runner::TensorLayout& layout, std::uint64_t linear) {
  std::uint64_t offset = 0;
  for (std::size_t d = layout.sizes.size(); d-- > 0;) {
    const auto size = static_cast<std::uint64_t>(layout.sizes[d]);
    offset += (linear % size) * static_cast<std::uint64_t>(layout.strides[d]);
    linear /= size;
  }
  return offset;
}

std::string number_text(double v, DType dtype) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  // Enough digits to tell apart any two values of the dtype.
  std::snprintf(buf, sizeof buf, dtype == DType::kFloat32 ? "%.9g" : "%.17g", v);
  return buf;
}

template <class T>
std::string value_text(const T& v, DType dtype) {
  if constexpr (std::is_same_v<T, std::string>) {
    return "\"" + v + "\"";
  } else if constexpr (std::is_floating_point_v<T>) {
    return number_text(static_cast<double>(v), dtype);
  } else {
    return std::to_string(v);
  }
}

template <class T>
T element(const Tensor& t, std::uint64_t at) {
  if constexpr (std::is_same_v<T, std::string>) {
    return t.strings()[at];
  } else {
    return t.value<T>(at);
  }
}

template <class T>
std::optional<std::string> compare_elements(const std::string& prefix, const ExpectedOutput& want, const Tensor& got,
                                            const runner::TensorLayout& layout) {
  const DType dtype = want.tensor.dtype();
  const std::uint64_t n = want.tensor.numel();
  std::optional<std::string> first;
  std::uint64_t differ = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t at = storage_offset(layout, i);
    const T e = element<T>(want.tensor, i);
    const T g = element<T>(got, at);
    bool same = e == g;
    std::string why = "exact for " + std::string(wire::to_string(dtype));
    if constexpr (std::is_floating_point_v<T>) {
      const double ed = e, gd = g;
      const double limit = want.atol + want.rtol * std::fabs(ed);
      if (std::isnan(ed) || std::isnan(gd) || std::isinf(ed) || std::isinf(gd)) {
        same = (std::isnan(ed) && std::isnan(gd)) || ed == gd;
        why = "nan matches only nan, an infinity only itself";
      } else {
        same = std::fabs(gd - ed) <= limit;
        why = "|got - expected| = " + number_text(std::fabs(gd - ed), DType::kFloat64) + " > atol " +
              number_text(want.atol, DType::kFloat64) + " + rtol " + number_text(want.rtol, DType::kFloat64) +
              " * |expected| = " + number_text(limit, DType::kFloat64);
      }
    }
    if (same) continue;
    ++differ;
    if (!first) {
      first = prefix + index_text(want.tensor.shape(), i) + " to be " + value_text(e, dtype) + ", got " +
              value_text(g, dtype) + " (" + why + ")";
    }
  }
  if (!first) return std::nullopt;
  return *first + "; " + std::to_string(differ) + " of " + std::to_string(n) + " elements differ";
}

std::string shape_text(const wire::Shape& shape) {
  std::string out = "[";
  for (std::size_t d = 0; d < shape.size(); ++d) out += (d ? ", " : "") + std::to_string(shape[d]);
  return out + "]";
}

}  // namespace

ModelCheck read_model_check(const std::string& path) {
  try {
    return parse(path, wire::parse_json(read_file(path)));
  } catch (const wire::JsonError& e) {
    throw std::runtime_error("the model check " + path + ": " + e.what());
  }
}

std::optional<std::string> compare_outputs(const ModelCheck& check, const wire::Map<std::string, Tensor>& got) {
  for (const auto& want : check.outputs) {
    const std::string prefix = "expected output \"" + want.name + "\"";
    const auto it = got.find(want.name);
    if (it == got.end()) {
      std::string names;
      for (const auto& [name, t] : got) names += (names.empty() ? "\"" : ", \"") + name + "\"";
      return prefix + ", got " + (names.empty() ? "no outputs" : "only " + names);
    }
    const Tensor& g = it->second;
    const DType dtype = want.tensor.dtype();
    if (g.dtype() != dtype) {
      return prefix + " to be " + wire::to_string(dtype) + ", got " + wire::to_string(g.dtype());
    }
    if (g.shape() != want.tensor.shape()) {
      return prefix + " to have shape " + shape_text(want.tensor.shape()) + ", got " + shape_text(g.shape());
    }
    // A runner may answer strides; carton checks none of them against the storage.
    runner::TensorLayout layout;
    try {
      layout = runner::checked_layout("output \"" + want.name + "\"", g);
    } catch (const runner::TensorError& e) {
      return prefix + " with a layout inside its storage, got: " + e.what();
    }
    std::optional<std::string> diff;
    switch (dtype) {
      case DType::kFloat32: diff = compare_elements<float>(prefix, want, g, layout); break;
      case DType::kFloat64: diff = compare_elements<double>(prefix, want, g, layout); break;
      case DType::kInt8: diff = compare_elements<std::int8_t>(prefix, want, g, layout); break;
      case DType::kInt16: diff = compare_elements<std::int16_t>(prefix, want, g, layout); break;
      case DType::kInt32: diff = compare_elements<std::int32_t>(prefix, want, g, layout); break;
      case DType::kInt64: diff = compare_elements<std::int64_t>(prefix, want, g, layout); break;
      case DType::kUInt8: diff = compare_elements<std::uint8_t>(prefix, want, g, layout); break;
      case DType::kUInt16: diff = compare_elements<std::uint16_t>(prefix, want, g, layout); break;
      case DType::kUInt32: diff = compare_elements<std::uint32_t>(prefix, want, g, layout); break;
      case DType::kUInt64: diff = compare_elements<std::uint64_t>(prefix, want, g, layout); break;
      case DType::kString: diff = compare_elements<std::string>(prefix, want, g, layout); break;
      case DType::kNested: break;  // the reader makes none
    }
    if (diff) return diff;
  }
  return std::nullopt;
}

}  // namespace carton::conformance::suite
