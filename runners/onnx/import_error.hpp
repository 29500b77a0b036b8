// What OpenCV's importer says when it refuses a model, rewritten to name the node as
// the model does: OpenCV 4.6 reports
//   "... Node [Mod@ai.onnx]:(onnx_node_output_0!z) parse error: ... Can't create layer
//    "onnx_node_output_0!z" of type "Mod" in function 'getLayerInstance'"
// and the runner answers
//   "OpenCV 4.6.0 cannot import node 'z' (Mod, ai.onnx opset 13): it has no layer for Mod"
// with the node's name, op type, domain and the opset the model imports for it.
#pragma once

#include <string>

#include "model_check.hpp"

namespace carton::runners::onnx {

std::string describe_import_error(const std::string& opencv_message, const ModelInfo& info);

// OpenCV's message without its file:line prefixes, "> " continuation marks and
// newlines: "(-215:Assertion failed) inputs.size() == 1 in function 'getMemoryShapes'".
std::string clean_opencv_message(const std::string& message);

}  // namespace carton::runners::onnx
