#include "onnx_model.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <stdexcept>

#include "adaptive_threads.hpp"
#include "import_error.hpp"
#include "net_pool.hpp"
#include "tensor_mapping.hpp"

namespace carton::runners::onnx {

namespace {

// Merging stacks requests along the first dimension: every input and output must let it
// vary. Throws naming the first that fixes it.
void check_batchable(const ModelInfo& info, std::uint64_t rows) {
  auto check = [&](const ValueSpec& v, const char* what) {
    if (!v.ranked || v.dims.empty() || v.dims[0]) {
      throw std::invalid_argument(
          std::string("runner option '") + runner::kBatchMaxRowsOption + "' is " + std::to_string(rows) + "; the " +
          what + " '" + v.name + "' has " +
          (!v.ranked || v.dims.empty() ? std::string("no first dimension")
                                       : "a fixed first dimension (" + std::to_string(*v.dims[0]) + ")") +
          ", so requests cannot be merged along it (0 turns merging off)");
    }
  };
  for (const auto& v : info.inputs) check(v, "input");
  for (const auto& v : info.outputs) check(v, "output");
}

}  // namespace

OnnxModel::OnnxModel(ModelInfo info, std::unique_ptr<NetPool> pool, runner::InferPolicy policy)
    : info_(std::move(info)), policy_(policy), pool_(std::move(pool)) {
  for (const auto& o : info_.outputs) output_names_.push_back(o.name);
}
OnnxModel::~OnnxModel() = default;

namespace {

std::vector<cv::dnn::Net> make_nets(const wire::Bytes& bytes, const ModelInfo& info, const OnnxOptions& options) {
  std::vector<cv::dnn::Net> nets;
  for (int i = 0; i < options.networks; ++i) {
    cv::dnn::Net net;
    try {
      net = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    } catch (const cv::Exception& e) {
      throw ModelError(describe_import_error(e.what(), info));
    }
    if (net.empty()) {
      throw ModelError("OpenCV " CV_VERSION "'s importer made no layer of this graph: every node folds into a "
                       "constant (a graph of Constant or Shape nodes only), which OpenCV's DNN cannot serve");
    }
    // The CPU backend: Debian's OpenCV has neither CUDA nor OpenVINO.
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    net.enableFusion(options.fusion);
    nets.push_back(std::move(net));
  }
  return nets;
}

}  // namespace

std::shared_ptr<const OnnxModel> OnnxModel::load(const wire::Bytes& bytes, ModelInfo info, const OnnxOptions& options) {
  if (options.infer.merges()) check_batchable(info, options.infer.max_batch_rows);
  auto pool = std::make_unique<NetPool>(make_nets(bytes, info, options));
  auto model = std::shared_ptr<OnnxModel>(new OnnxModel(std::move(info), std::move(pool), options.infer));
  if (options.infer.merges()) {
    model->bytes_ = bytes;
    model->options_ = options;
  }
  return model;
}

NetPool& OnnxModel::pool_for(std::int64_t rows) const {
  if (!policy_.merges()) return *pool_;
  std::lock_guard<std::mutex> lock(sized_mu_);
  auto& pool = sized_[rows];
  if (!pool) pool = std::make_unique<NetPool>(make_nets(bytes_, info_, options_));
  return *pool;
}

void OnnxModel::check_inputs(const wire::Map<std::string, wire::Tensor>& inputs) const { to_mats(info_.inputs, inputs); }

wire::Map<std::string, wire::Tensor> OnnxModel::infer(wire::Map<std::string, wire::Tensor> inputs) const {
  InputMats in = to_mats(info_.inputs, inputs);
  const auto net = pool_for(in.mats.empty() || in.mats[0].dims == 0 ? 0 : in.mats[0].size[0]).lease();
  std::vector<cv::Mat> outs;
  try {
    for (std::size_t i = 0; i < in.mats.size(); ++i) net->setInput(in.mats[i], info_.inputs[i].name);
    // setInput copied the inputs into the network: the request's frame can go.
    in = {};
    inputs = {};
    const AdaptiveThreads::ForwardScope in_flight;
    net->forward(outs, output_names_);
  } catch (const cv::Exception& e) {
    throw std::runtime_error("OpenCV " CV_VERSION "'s forward() failed: " + clean_opencv_message(e.what()));
  }
  if (outs.size() != info_.outputs.size()) {
    throw std::runtime_error("OpenCV returned " + std::to_string(outs.size()) + " outputs; the model declares " +
                             std::to_string(info_.outputs.size()));
  }
  wire::Map<std::string, wire::Tensor> result;
  for (std::size_t i = 0; i < outs.size(); ++i) {
    result.insert_or_assign(info_.outputs[i].name, to_tensor(info_.outputs[i], outs[i], net));
  }
  return result;
}

std::string opencv_version() { return CV_VERSION; }

}  // namespace carton::runners::onnx
