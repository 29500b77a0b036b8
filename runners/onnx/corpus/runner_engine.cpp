#include "runner_engine.hpp"

#include <onnx/onnx_pb.h>

#include <chrono>
#include <cstring>

#include "carton/mock/mock_core.hpp"
#include "compare.hpp"
#include "model_check.hpp"

namespace carton::onnx_corpus {

namespace {

using onnx::TensorProto;

// A first forward() of a large model, and the runner's import check, take seconds.
constexpr std::chrono::milliseconds kCallTimeout{120000};

// carton's dtype for an ONNX element type: the runner's mapping (bool as uint8, float16
// and bfloat16 as float32), and strings, which the runner refuses at Load.
std::optional<wire::DType> carton_dtype(std::int32_t t) {
  if (t == TensorProto::STRING) return wire::DType::kString;
  return runners::onnx::carton_dtype(t);
}

wire::Tensor to_wire(const Array& a) {
  const auto dtype = carton_dtype(a.elem_type);
  if (!dtype) throw std::runtime_error("input '" + a.name + "' is " + elem_type_name(a.elem_type) + ": no carton dtype");
  wire::Shape shape(a.shape.begin(), a.shape.end());
  if (*dtype == wire::DType::kString) return wire::Tensor::from_strings(shape, a.strings);
  if (a.elem_type == TensorProto::FLOAT16 || a.elem_type == TensorProto::BFLOAT16) {
    const auto values = to_doubles(a);
    return wire::Tensor::from_values<float>(shape, std::vector<float>(values.begin(), values.end()));
  }
  return wire::Tensor::copy_of(*dtype, shape, a.data.data(), a.data.size());
}

// The runner's answer as an Array of the expected element type when its carton dtype
// is the one that type maps to (so a bool output sent as uint8 compares as bool), else
// of a type that makes the dtype check fail with the dtype sent.
Array from_wire(const std::string& name, const wire::Tensor& t, std::int32_t expected) {
  Array a;
  a.name = name;
  a.shape.assign(t.shape().begin(), t.shape().end());
  if (carton_dtype(expected) == t.dtype()) {
    a.elem_type = expected;
  } else {
    for (std::int32_t e = 1; e <= TensorProto::BFLOAT16; ++e) {
      if (carton_dtype(e) == t.dtype()) {
        a.elem_type = e;
        break;
      }
    }
  }
  if (t.dtype() == wire::DType::kString) {
    a.strings = t.strings();
    return a;
  }
  const std::size_t bytes = a.numel() * wire::element_size(t.dtype());
  if (t.strides() || t.bytes().size() < bytes) throw std::runtime_error("output '" + name + "' is strided or short");
  a.data.assign(t.bytes().data(), t.bytes().data() + bytes);
  return a;
}

Array widened(const Array& half) {
  Array a = half;
  a.elem_type = TensorProto::FLOAT;
  a.data.clear();
  for (double v : to_doubles(half)) {
    const float f = static_cast<float>(v);
    const auto* p = reinterpret_cast<const std::uint8_t*>(&f);
    a.data.insert(a.data.end(), p, p + sizeof f);
  }
  return a;
}

// A reply that is not an answer means the runner died or broke the protocol.
Outcome runner_failure(mock::MockCore& core, const std::exception& e) {
  if (auto status = core.runner_exit_status()) return {Verdict::kCrash, "the runner " + core.describe_exit(*status)};
  return {Verdict::kCrash, std::string("no answer from the runner: ") + e.what()};
}

}  // namespace

Outcome run_with_runner(const TestCase& tc, const RunnerConfig& config) {
  mock::MockCoreOptions options;
  options.runner_path = config.binary;
  options.call_timeout = kCallTimeout;
  mock::MockCore core(options);
  wire::LoadRequest load;
  load.fs = core.serve_directory(tc.dir.string(), false);
  load.runner_name = "onnx";
  load.required_framework_version = "*";
  load.runner_compat_version = 1;
  load.visible_device = wire::CpuDevice{};
  try {
    core.core().load(load);
  } catch (const mock::RunnerError& e) {
    return {Verdict::kRefused, e.what()};
  } catch (const std::exception& e) {
    return runner_failure(core, e);
  }
  if (!tc.data_error.empty()) return {Verdict::kToolError, tc.data_error};
  for (const auto& set : tc.sets) {
    wire::Map<std::string, wire::Tensor> inputs;
    for (const auto& in : set.inputs) inputs.insert_or_assign(in.name, to_wire(in));
    wire::Map<std::string, wire::Tensor> outputs;
    try {
      auto reply = core.core().infer_with_tensors({std::move(inputs), false});
      if (!reply.final) return {Verdict::kCrash, "the runner sent no final reply"};
      outputs = std::move(reply.final->tensors);
    } catch (const mock::RunnerError& e) {
      return {Verdict::kInferError, e.what()};
    } catch (const std::exception& e) {
      return runner_failure(core, e);
    }
    for (auto expected : set.outputs) {
      if (expected.elem_type == TensorProto::FLOAT16 || expected.elem_type == TensorProto::BFLOAT16) {
        expected = widened(expected);  // the runner sends these as float32
      }
      const auto it = outputs.find(expected.name);
      if (it == outputs.end()) return {Verdict::kWrong, "no output '" + expected.name + "' in the reply"};
      if (auto bad = mismatch(expected, from_wire(expected.name, it->second, expected.elem_type))) {
        return {Verdict::kWrong, set.dir.filename().string() + ": " + *bad};
      }
    }
  }
  if (!core.violations().empty()) return {Verdict::kWrong, "protocol violation: " + core.violations().front()};
  return {Verdict::kPassed, {}};
}

}  // namespace carton::onnx_corpus
