// Readable JSON for any wire value, for tools (carton-wire decode), logs and test
// failure messages. Records are printed through their generated visit_fields; unions
// as {"Variant": {...}}; byte buffers and numeric tensor storage as hex.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "carton/wire/bytes.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::wire {

namespace json_detail {
void quote(std::string& out, const std::string& s);
void hex(std::string& out, const Bytes& b);
struct AnyField {
  template <class U>
  void operator()(const char*, const U&) const {}
};
template <class T, class = void>
struct HasFields : std::false_type {};
template <class T>
struct HasFields<T, std::void_t<decltype(visit_fields(std::declval<const T&>(), AnyField{}))>> : std::true_type {};
}  // namespace json_detail

void append_json(std::string& out, const Tensor& t);
inline void append_json(std::string& out, const std::string& s) { json_detail::quote(out, s); }
inline void append_json(std::string& out, const Bytes& b) { json_detail::hex(out, b); }
inline void append_json(std::string& out, bool b) { out += b ? "true" : "false"; }
void append_json(std::string& out, double d);

// All overloads are declared before any is defined, so that each finds the others.
template <class T>
void append_json(std::string& out, const T& v);
template <class T>
void append_json(std::string& out, const std::optional<T>& v);
template <class T>
void append_json(std::string& out, const std::vector<T>& v);
template <class K, class V>
void append_json(std::string& out, const Map<K, V>& m);
template <class... Ts>
void append_json(std::string& out, const std::variant<Ts...>& v);

template <class T>
void append_json(std::string& out, const std::optional<T>& v) {
  if (v) {
    append_json(out, *v);
  } else {
    out += "null";
  }
}

template <class T>
void append_json(std::string& out, const std::vector<T>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    append_json(out, v[i]);
  }
  out += ']';
}

template <class K, class V>
void append_json(std::string& out, const Map<K, V>& m) {
  out += '{';
  bool first = true;
  for (const auto& e : m) {
    if (!first) out += ", ";
    first = false;
    append_json(out, e.first);
    out += ": ";
    append_json(out, e.second);
  }
  out += '}';
}

template <class... Ts>
void append_json(std::string& out, const std::variant<Ts...>& v) {
  std::visit(
      [&](const auto& alt) {
        out += "{";
        json_detail::quote(out, type_name(alt));
        out += ": ";
        append_json(out, alt);
        out += "}";
      },
      v);
}

template <class T>
void append_json(std::string& out, const T& v) {
  if constexpr (std::is_enum_v<T>) {
    json_detail::quote(out, to_string(v));
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    append_json(out, static_cast<double>(v));
  } else {
    static_assert(json_detail::HasFields<T>::value, "no JSON form for this type");
    out += '{';
    bool first = true;
    visit_fields(v, [&](const char* name, const auto& field) {
      if (!first) out += ", ";
      first = false;
      json_detail::quote(out, name);
      out += ": ";
      append_json(out, field);
    });
    out += '}';
  }
}

template <class T>
std::string to_json(const T& v) {
  std::string out;
  append_json(out, v);
  return out;
}

}  // namespace carton::wire
