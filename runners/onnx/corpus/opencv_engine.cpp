#include <onnx/onnx_pb.h>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <cmath>
#include <cstring>
#include <iostream>

#include "compare.hpp"
#include "outcome.hpp"

namespace carton::onnx_corpus {

namespace {

cv::Mat to_mat(const Array& a) {
  std::vector<int> sizes(a.shape.begin(), a.shape.end());
  if (sizes.empty()) sizes.push_back(1);
  const auto values = to_doubles(a);
  cv::Mat m(static_cast<int>(sizes.size()), sizes.data(), CV_32F);
  float* p = m.ptr<float>();
  for (std::size_t i = 0; i < values.size(); ++i) p[i] = static_cast<float>(values[i]);
  return m;
}

template <class T>
void put(std::vector<std::uint8_t>& out, double v) {
  T t = std::is_integral_v<T> ? static_cast<T>(std::llround(v)) : static_cast<T>(v);
  const auto* p = reinterpret_cast<const std::uint8_t*>(&t);
  out.insert(out.end(), p, p + sizeof t);
}

// OpenCV's float32 result as an Array of the dtype the graph declares.
Array from_mat(const cv::Mat& m, const std::string& name, std::int32_t elem_type) {
  Array a;
  a.name = name;
  a.elem_type = elem_type;
  for (int i = 0; i < m.dims; ++i) a.shape.push_back(m.size[i]);
  cv::Mat f;
  m.convertTo(f, CV_64F);
  f = f.isContinuous() ? f : f.clone();
  const double* p = f.ptr<double>();
  const std::size_t n = f.total();
  for (std::size_t i = 0; i < n; ++i) {
    switch (elem_type) {
      case onnx::TensorProto::FLOAT: put<float>(a.data, p[i]); break;
      case onnx::TensorProto::DOUBLE: put<double>(a.data, p[i]); break;
      case onnx::TensorProto::INT8: put<std::int8_t>(a.data, p[i]); break;
      case onnx::TensorProto::INT16: put<std::int16_t>(a.data, p[i]); break;
      case onnx::TensorProto::INT32: put<std::int32_t>(a.data, p[i]); break;
      case onnx::TensorProto::INT64: put<std::int64_t>(a.data, p[i]); break;
      case onnx::TensorProto::UINT8: case onnx::TensorProto::BOOL: put<std::uint8_t>(a.data, p[i]); break;
      case onnx::TensorProto::UINT16: put<std::uint16_t>(a.data, p[i]); break;
      case onnx::TensorProto::UINT32: put<std::uint32_t>(a.data, p[i]); break;
      case onnx::TensorProto::UINT64: put<std::uint64_t>(a.data, p[i]); break;
      default: a.elem_type = onnx::TensorProto::FLOAT, put<float>(a.data, p[i]);
    }
  }
  return a;
}

}  // namespace

Outcome run_with_opencv(const TestCase& tc) {
  const auto bytes = read_file(tc.dir / "model.onnx");
  cv::dnn::Net net;
  // Where a crash happened, for the report (main.cpp keeps the end of stderr).
  std::cerr << "[stage: import]" << std::endl;
  try {
    net = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  } catch (const cv::Exception& e) {
    return {Verdict::kRefused, e.what()};
  }
  if (net.empty()) return {Verdict::kRefused, "readNetFromONNX returned an empty net"};
  if (!tc.data_error.empty()) return {Verdict::kToolError, tc.data_error};
  std::vector<std::string> names;
  for (const auto& o : tc.outputs) names.push_back(o.name);
  for (const auto& set : tc.sets) {
    std::vector<cv::Mat> outs;
    try {
      for (const auto& in : set.inputs) {
        if (in.elem_type == onnx::TensorProto::STRING) return {Verdict::kRefused, "string input '" + in.name + "'"};
        net.setInput(to_mat(in), in.name);
      }
      std::cerr << "[stage: forward " << set.dir.filename().string() << "]" << std::endl;
      net.forward(outs, names);
    } catch (const cv::Exception& e) {
      return {Verdict::kInferError, e.what()};
    }
    if (outs.size() != set.outputs.size()) {
      return {Verdict::kWrong, std::to_string(outs.size()) + " outputs, expected " + std::to_string(set.outputs.size())};
    }
    for (std::size_t i = 0; i < outs.size(); ++i) {
      Array got = from_mat(outs[i], set.outputs[i].name, set.outputs[i].elem_type);
      // A cv::Mat has 2+ dimensions: OpenCV's [3, 1] for a [3] result is its way of
      // saying [3], so the same elements count as the expected shape.
      if (got.numel() == set.outputs[i].numel()) got.shape = set.outputs[i].shape;
      if (auto bad = mismatch(set.outputs[i], got)) {
        return {Verdict::kWrong, set.dir.filename().string() + ": " + *bad};
      }
    }
  }
  return {Verdict::kPassed, {}};
}

}  // namespace carton::onnx_corpus
