#include "import_error.hpp"

#include <opencv2/core/version.hpp>

#include <regex>

namespace carton::runners::onnx {

std::string clean_opencv_message(const std::string& message) {
  static const std::regex prefix(R"(OpenCV\([0-9.]+\) [^ ]+:[0-9]+: error: )");
  std::string s = std::regex_replace(message, prefix, "");
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  s = std::regex_replace(s, std::regex(R"(\s*>\s+)"), " ");
  s = std::regex_replace(s, std::regex(R"(\s+)"), " ");
  while (!s.empty() && (s.back() == ' ' || s.back() == '>')) s.pop_back();
  return s;
}

std::string describe_import_error(const std::string& opencv_message, const ModelInfo& info) {
  static const std::regex node_re(R"re(Node \[([^@\]]*)@([^\]]*)\]:\((?:onnx_node(?:_output_[0-9]+)?!)?([^)]*)\) parse error: ([\s\S]*))re");
  static const std::regex no_layer_re(R"re(Can't create layer "[^"]*" of type "([^"]*)")re");
  const std::string engine = "OpenCV " CV_VERSION;
  std::smatch m;
  if (!std::regex_search(opencv_message, m, node_re)) {
    return engine + "'s importer refused the model: " + clean_opencv_message(opencv_message);
  }
  const std::string op = m[1], domain = m[2], output = m[3];
  std::string reason = clean_opencv_message(m[4]);
  std::smatch nl;
  if (std::regex_search(reason, nl, no_layer_re)) reason = "it has no layer for " + nl[1].str();
  std::string node;
  if (const NodeInfo* n = info.node_making(output)) {
    node = info.describe(*n);
  } else {
    node = "node '" + output + "' (" + op + ", " + domain + " opset " +
           std::to_string(info.opset_of(domain == "ai.onnx" ? "" : domain)) + ")";
  }
  return engine + " cannot import " + node + ": " + reason;
}

}  // namespace carton::runners::onnx
