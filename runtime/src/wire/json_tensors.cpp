#include "carton/wire/json_tensors.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

namespace carton::wire {

namespace {

// Every dtype the format names, in DType order (nested has no JSON form).
constexpr DType kJsonDTypes[] = {DType::kFloat32, DType::kFloat64, DType::kString, DType::kInt8,
                                 DType::kInt16,   DType::kInt32,   DType::kInt64,  DType::kUInt8,
                                 DType::kUInt16,  DType::kUInt32,  DType::kUInt64};

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw JsonError(where + ": " + what); }

std::string shown(const JsonValue& v) {
  if (v.kind == JsonValue::Kind::kNumber) return v.text;
  if (v.kind == JsonValue::Kind::kString) return "\"" + v.text + "\"";
  return json_kind_name(v.kind);
}

DType dtype_of(const JsonValue* v, const std::string& where) {
  if (!v || v->kind != JsonValue::Kind::kString) fail(where, "expected \"dtype\" to be a string such as \"float32\"");
  for (DType d : kJsonDTypes) {
    if (v->text == to_string(d)) return d;
  }
  std::string names;
  for (DType d : kJsonDTypes) names += std::string(names.empty() ? "" : ", ") + to_string(d);
  fail(where, "unknown dtype \"" + v->text + "\"; expected one of " + names);
}

Shape shape_of(const JsonValue* v, const std::string& where) {
  if (!v || v->kind != JsonValue::Kind::kArray) fail(where, "expected \"shape\" to be an array of sizes such as [2, 3]");
  Shape shape;
  for (const auto& d : v->items) {
    errno = 0;
    char* end = nullptr;
    const unsigned long long n = d.is_integer() && d.text[0] != '-' ? std::strtoull(d.text.c_str(), &end, 10) : 0;
    if (!d.is_integer() || d.text[0] == '-' || errno == ERANGE) {
      fail(where, "expected \"shape\" to hold sizes (integers from 0 to 2^64-1), got " + shown(d));
    }
    shape.push_back(n);
  }
  return shape;
}

// The leaves of `data` in order, however deeply listed.
void flatten(const JsonValue& v, std::vector<const JsonValue*>& out) {
  if (v.kind != JsonValue::Kind::kArray) {
    out.push_back(&v);
    return;
  }
  for (const auto& item : v.items) flatten(item, out);
}

std::uint64_t element_count(const Shape& shape) {
  std::uint64_t n = 1;
  for (auto d : shape) {
    if (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / d) return std::numeric_limits<std::uint64_t>::max();
    n *= d;
  }
  return n;
}

std::optional<double> special_float(const std::string& s) {
  if (s == "nan" || s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf" || s == "+inf" || s == "Infinity") return std::numeric_limits<double>::infinity();
  if (s == "-inf" || s == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

template <class T>
T float_element(const JsonValue& e, const std::string& where, std::size_t i) {
  const auto bad = [&](const std::string& why) {
    fail(where, "data[" + std::to_string(i) + "] = " + shown(e) + " " + why);
  };
  if (e.kind == JsonValue::Kind::kString) {
    if (auto special = special_float(e.text)) return static_cast<T>(*special);
    bad("is not a number (NaN and the infinities are \"nan\", \"inf\", \"-inf\")");
  }
  if (e.kind != JsonValue::Kind::kNumber) bad("is not a number");
  errno = 0;
  const double d = std::strtod(e.text.c_str(), nullptr);
  if ((errno == ERANGE && std::isinf(d)) || std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max())) {
    bad(std::string("is outside the range of ") + (sizeof(T) == 4 ? "float32" : "float64"));
  }
  return static_cast<T>(d);
}

template <class T>
T int_element(const JsonValue& e, const std::string& where, std::size_t i, DType dtype) {
  const auto bad = [&](const std::string& why) {
    fail(where, "data[" + std::to_string(i) + "] = " + shown(e) + " " + why);
  };
  if (!e.is_integer()) bad(std::string("is not an integer, as ") + to_string(dtype) + " needs");
  errno = 0;
  if constexpr (std::is_signed_v<T>) {
    const long long v = std::strtoll(e.text.c_str(), nullptr, 10);
    if (errno == ERANGE || v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
      bad(std::string("is outside the range of ") + to_string(dtype));
    }
    return static_cast<T>(v);
  } else {
    const unsigned long long v = std::strtoull(e.text.c_str(), nullptr, 10);
    if (e.text[0] == '-' || errno == ERANGE || v > std::numeric_limits<T>::max()) {
      bad(std::string("is outside the range of ") + to_string(dtype));
    }
    return static_cast<T>(v);
  }
}

template <class T>
Tensor numeric(DType dtype, Shape shape, const std::vector<const JsonValue*>& data, const std::string& where) {
  std::vector<T> values;
  values.reserve(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      values.push_back(float_element<T>(*data[i], where, i));
    } else {
      values.push_back(int_element<T>(*data[i], where, i, dtype));
    }
  }
  return Tensor::from_values<T>(std::move(shape), std::move(values));
}

}  // namespace

Tensor tensor_from_json(const JsonValue& value, const std::string& where, const std::vector<std::string_view>& other_keys) {
  if (value.kind != JsonValue::Kind::kObject) {
    fail(where, std::string("expected an object with dtype, shape and data, got ") + json_kind_name(value.kind));
  }
  for (const auto& [key, member] : value.members) {
    bool known = key == "dtype" || key == "shape" || key == "data";
    for (auto k : other_keys) known |= key == k;
    if (!known) {
      std::string keys = "dtype, shape, data";
      for (auto k : other_keys) keys += ", " + std::string(k);
      fail(where, "unknown key \"" + key + "\"; a tensor has " + keys);
    }
  }
  const DType dtype = dtype_of(value.find("dtype"), where);
  Shape shape = shape_of(value.find("shape"), where);
  const JsonValue* data = value.find("data");
  if (!data || data->kind != JsonValue::Kind::kArray) fail(where, "expected \"data\" to be an array of elements");
  std::vector<const JsonValue*> elements;
  flatten(*data, elements);
  const std::uint64_t want = element_count(shape);
  if (elements.size() != want) {
    std::string dims;
    for (auto d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    fail(where, "shape [" + dims + "] holds " + std::to_string(want) + " element(s), but \"data\" has " +
                    std::to_string(elements.size()));
  }
  switch (dtype) {
    case DType::kFloat32: return numeric<float>(dtype, std::move(shape), elements, where);
    case DType::kFloat64: return numeric<double>(dtype, std::move(shape), elements, where);
    case DType::kInt8: return numeric<std::int8_t>(dtype, std::move(shape), elements, where);
    case DType::kInt16: return numeric<std::int16_t>(dtype, std::move(shape), elements, where);
    case DType::kInt32: return numeric<std::int32_t>(dtype, std::move(shape), elements, where);
    case DType::kInt64: return numeric<std::int64_t>(dtype, std::move(shape), elements, where);
    case DType::kUInt8: return numeric<std::uint8_t>(dtype, std::move(shape), elements, where);
    case DType::kUInt16: return numeric<std::uint16_t>(dtype, std::move(shape), elements, where);
    case DType::kUInt32: return numeric<std::uint32_t>(dtype, std::move(shape), elements, where);
    case DType::kUInt64: return numeric<std::uint64_t>(dtype, std::move(shape), elements, where);
    case DType::kString: {
      std::vector<std::string> strings;
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (elements[i]->kind != JsonValue::Kind::kString) {
          fail(where, "data[" + std::to_string(i) + "] = " + shown(*elements[i]) + " is not a string, as string needs");
        }
        strings.push_back(elements[i]->text);
      }
      return Tensor::from_strings(std::move(shape), std::move(strings));
    }
    case DType::kNested: break;
  }
  fail(where, "nested tensors have no JSON form");
}

Map<std::string, Tensor> tensors_from_json(const JsonValue& value, const std::string& where,
                                           const std::vector<std::string_view>& other_keys) {
  if (value.kind != JsonValue::Kind::kObject) {
    fail(where, std::string("expected an object of named tensors, got ") + json_kind_name(value.kind));
  }
  Map<std::string, Tensor> out;
  for (const auto& [name, tensor] : value.members) {
    out.insert_or_assign(name, tensor_from_json(tensor, where + " \"" + name + "\"", other_keys));
  }
  return out;
}

}  // namespace carton::wire
