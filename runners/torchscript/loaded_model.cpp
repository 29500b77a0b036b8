#include "loaded_model.hpp"

#include <torch/script.h>
#include <torch/version.h>

#include <istream>

#include "bytes_streambuf.hpp"
#include "tensor_conversion.hpp"

namespace carton::runners::torchscript {

struct LoadedModel::Impl {
  // torch::jit::Module is a handle; forward() is not const, but concurrent calls are
  // safe, so infer() calls it on a copy of the handle.
  torch::jit::Module module;
  c10::Device device = c10::kCPU;
  // The value type of the dict forward() declares (Tensor, Any, ...), or null when it
  // does not declare a Dict[str, ...] argument: then the inputs pick it.
  c10::TypePtr input_value_type;
};

namespace {

// The declared value type of forward()'s dict argument. Dict types are invariant in
// TorchScript: a Dict[str, Tensor] is refused where Dict[str, Any] is declared, so the
// dict has to be built with the declared type.
c10::TypePtr declared_value_type(torch::jit::Module& module) {
  const auto& args = module.get_method("forward").function().getSchema().arguments();
  if (args.size() < 2) return nullptr;  // args[0] is self
  const auto dict = args[1].type()->cast<c10::DictType>();
  if (!dict || dict->getKeyType()->kind() != c10::TypeKind::StringType) return nullptr;
  return dict->getValueType();
}

}  // namespace

LoadedModel::LoadedModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoadedModel::~LoadedModel() = default;

std::shared_ptr<const LoadedModel> LoadedModel::load(wire::Bytes model_pt, bool cuda) {
  auto impl = std::make_unique<Impl>();
  impl->device = cuda ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
  BytesStreambuf buf(std::move(model_pt));
  std::istream in(&buf);
  try {
    impl->module = torch::jit::load(in, impl->device);
  } catch (const c10::Error& e) {
    throw std::runtime_error(std::string("model.pt is not a TorchScript model libtorch " TORCH_VERSION " can load: ") +
                             e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("model.pt is not a TorchScript model libtorch " TORCH_VERSION " can load: ") +
                             e.what());
  }
  if (!impl->module.find_method("forward")) {
    throw std::runtime_error("model.pt has no forward() method, which the runner calls for inference");
  }
  // No eval(): like carton's runner, the module runs in the mode it was saved in.
  impl->input_value_type = declared_value_type(impl->module);
  return std::shared_ptr<const LoadedModel>(new LoadedModel(std::move(impl)));
}

wire::Map<std::string, wire::Tensor> LoadedModel::infer(wire::Map<std::string, wire::Tensor> inputs) const {
  c10::InferenceMode guard;
  std::vector<c10::IValue> args;
  try {
    args.emplace_back(to_torch_inputs(inputs, impl_->input_value_type, impl_->device));
  } catch (const c10::Error& e) {
    throw std::runtime_error(std::string("cannot hand the inputs to torch: ") + e.what_without_backtrace());
  }
  inputs = {};  // from here the torch tensors alone hold the frame, until forward() ends
  c10::IValue output;
  try {
    torch::jit::Module module = impl_->module;
    output = module.forward(std::move(args));
  } catch (const c10::Error& e) {
    throw std::runtime_error(std::string("the model's forward() failed: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("the model's forward() failed: ") + e.what());
  }
  try {
    return from_torch_outputs(output);
  } catch (const c10::Error& e) {
    throw std::runtime_error(std::string("cannot convert the model's outputs: ") + e.what_without_backtrace());
  }
}

bool cuda_available() { return at::hasCUDA(); }

}  // namespace carton::runners::torchscript
