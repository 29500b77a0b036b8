// Tensors in the JSON form of carton's ref-core tool, read with parse_json():
//
//   {"x": {"dtype": "float32", "shape": [2, 3], "data": [1.5, "nan", "-inf", 0, 2, 3]},
//    "s": {"dtype": "string", "shape": [2], "data": ["a", "b"]}}
//
// dtype: float32, float64, int8 .. int64, uint8 .. uint64, string. data holds the
// elements in C order, flat or as nested lists (read in order), as many as the shape's
// product (one for shape []); NaN and the infinities are the strings "nan", "inf" and
// "-inf". Integers must be written as integers within their dtype's range, and floats
// within theirs. Every error names the tensor, the field and the value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "carton/wire/json_value.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::wire {

// `where` names the tensor in errors ("output \"x\""). Keys besides dtype, shape and
// data are refused unless listed in `other_keys` (which the caller then reads itself).
Tensor tensor_from_json(const JsonValue& value, const std::string& where,
                        const std::vector<std::string_view>& other_keys = {});

// Every member of an object, as tensor_from_json(); `where` prefixes each name.
Map<std::string, Tensor> tensors_from_json(const JsonValue& value, const std::string& where,
                                           const std::vector<std::string_view>& other_keys = {});

}  // namespace carton::wire
