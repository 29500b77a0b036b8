#include "model_file.hpp"

#include <sys/resource.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "booster.hpp"
#include "carton/runner/child_check.hpp"
#include "saved_model_check.hpp"

namespace carton::runners::xgboost {

namespace {

// The child's exit status for a tree that splits on a feature past the model's, and
// for a load that ran out of the memory its limit allows.
constexpr int kBadSplitFeature = 3;
constexpr int kOutOfMemory = 4;
// The child's exit status for a model XGBoost refuses; its stdout says why.
constexpr int kRefused = 5;
// The child's exit status when XGBoost could not save the model it loaded.
constexpr int kNoResult = 6;

// The child's address space: the libraries and threads (1 GiB covers them with room),
// and 16 times the model's bytes, far more than any model loaded from them takes
// (a JSON model takes less memory than its text; UBJSON and binary about their size).
rlim_t child_memory_limit(std::size_t model_bytes) { return (rlim_t(1) << 30) + 16 * rlim_t(model_bytes); }
// The check's prediction is skipped for models of more features than this (its four
// rows would take 32 MiB): then only the load and the walk of the trees are checked.
constexpr std::uint64_t kCheckPredictMaxFeatures = std::uint64_t(1) << 21;

// XGBoost writes the top-level object's keys in order, "learner" then "version", so
// the version is at the end of the file: only its last bytes are looked at.
constexpr std::size_t kTail = 128;

std::string_view tail(const wire::Bytes& model) {
  const auto n = std::min(model.size(), kTail);
  return {reinterpret_cast<const char*>(model.data()) + model.size() - n, n};
}

// JSON: ..."version":[1,7,4]} as XGBoost writes it; whitespace between the tokens is
// allowed (a model rewritten by python's json module has it).
std::optional<Version> json_version(std::string_view t) {
  const auto at = t.rfind("\"version\"");
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + 9;
  auto skip_space = [&] {
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  };
  auto expect = [&](char c) {
    skip_space();
    return i < t.size() && t[i++] == c;
  };
  if (!expect(':') || !expect('[')) return std::nullopt;
  Version v{};
  for (int k = 0; k < 3; ++k) {
    skip_space();
    if (i >= t.size() || !std::isdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
    long n = 0;
    for (; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) && n < 1000000; ++i) n = n * 10 + (t[i] - '0');
    v[k] = n;
    if (k < 2 && !expect(',')) return std::nullopt;
  }
  return v;
}

// UBJSON: L <int64 7> "version" [ # L <int64 3> then three integers, each a type
// marker (i int8, U uint8, I int16, l int32, L int64) and big-endian bytes.
std::optional<Version> ubjson_version(std::string_view t) {
  const auto at = t.rfind("version[#");
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + 9;
  auto integer = [&](long& out) {
    if (i >= t.size()) return false;
    const char marker = t[i++];
    std::size_t width = marker == 'i' || marker == 'U' ? 1 : marker == 'I' ? 2 : marker == 'l' ? 4 : marker == 'L' ? 8 : 0;
    if (width == 0 || i + width > t.size()) return false;
    std::uint64_t u = 0;
    for (std::size_t k = 0; k < width; ++k) u = (u << 8) | static_cast<unsigned char>(t[i + k]);
    i += width;
    if (marker == 'i') u = static_cast<std::uint64_t>(static_cast<std::int8_t>(u));
    out = static_cast<long>(u);
    return out >= 0 && out < 1000000;
  };
  long count = 0;
  if (!integer(count) || count != 3) return std::nullopt;
  Version v{};
  for (auto& part : v) {
    if (!integer(part)) return std::nullopt;
  }
  return v;
}

}  // namespace

ModelFormat model_format(const wire::Bytes& model) {
  if (model.size() >= 2 && model.data()[0] == '{') {
    return model.data()[1] == '"' ? ModelFormat::json : ModelFormat::ubjson;
  }
  return ModelFormat::legacy_binary;
}

const char* format_name(ModelFormat f) {
  switch (f) {
    case ModelFormat::json: return "JSON";
    case ModelFormat::ubjson: return "UBJSON";
    case ModelFormat::legacy_binary: break;
  }
  return "legacy binary";
}

std::optional<Version> saved_version(const wire::Bytes& model, ModelFormat format) {
  switch (format) {
    case ModelFormat::json: return json_version(tail(model));
    case ModelFormat::ubjson: return ubjson_version(tail(model));
    case ModelFormat::legacy_binary: break;
  }
  return std::nullopt;
}

std::string version_string(const Version& v) {
  return std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
}

const char* file_name(ModelFormat f) {
  static_assert(int(ModelFormat::json) == 0 && int(ModelFormat::ubjson) == 1 && int(ModelFormat::legacy_binary) == 2,
                "kModelFiles lists the formats' files in ModelFormat's order");
  return kModelFiles[static_cast<int>(f)];
}

std::optional<Version> check_saved_version(const wire::Bytes& model, ModelFormat format, const std::string& file) {
  const auto saved = saved_version(model, format);
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  if (saved && (*saved)[0] > major) {
    throw std::invalid_argument(file + " was saved by XGBoost " + version_string(*saved) + "; this runner's XGBoost " +
                                version_string({major, minor, patch}) + " reads models of major version " +
                                std::to_string(major) + " and older (save it with XGBoost " + std::to_string(major) +
                                ".x, or use a runner built on XGBoost " + std::to_string((*saved)[0]) + ")");
  }
  return saved;
}

CheckedModel check_load_in_child(const wire::Bytes& model, const std::string& file, const std::string& binary) {
  const auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(kLoadCheckDeadline);
  // The saved model is at most what the child's memory held.
  const runner::ChildExit exit =
      runner::run_child_check(model, binary, kLoadCheckFlag, deadline, child_memory_limit(model.size()));
  if (exit.how == runner::ChildExit::How::exited && exit.value == kBadSplitFeature) {
    throw std::runtime_error(file + " has a tree that splits on a feature the model does not have (found loading "
                             "it in a child process); the model is damaged and is refused");
  }
  if (exit.how == runner::ChildExit::How::exited && exit.value == kOutOfMemory) {
    throw std::runtime_error("loading " + file + " (" + std::to_string(model.size()) + " bytes) in a child process " +
                             "first, XGBoost asked for more than " +
                             std::to_string(child_memory_limit(model.size()) >> 20) + " MiB (1 GiB + 16 times the " +
                             "model's size); the model is damaged and is refused");
  }
  if (exit.how == runner::ChildExit::How::exited && exit.value == kRefused) return {exit.output, {}};
  if (!exit.ok()) {
    throw std::runtime_error("loading " + file + " in a child process first, the child " + exit.describe(deadline) +
                             "; the model is refused (it is damaged, or uses what this XGBoost mishandles)");
  }
  if (exit.result.empty()) {
    throw std::runtime_error("loading " + file + " in a child process first, the child loaded it but handed back " +
                             "no saved model; the model is refused");
  }
  // The child's output is no more trusted than the model: checked before XGBoost reads it.
  try {
    check_saved_model(exit.result);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("loading " + file + " in a child process first, the model XGBoost saved again there " +
                             "fails the runner's own check: " + e.what() + "; the model is refused");
  }
  return {std::nullopt, exit.result};
}

int run_load_check() {
  const auto input = std::make_shared<const std::vector<char>>(runner::read_child_input());
  const wire::Bytes model(input, reinterpret_cast<const std::uint8_t*>(input->data()), input->size());
  // A damaged length makes XGBoost's loader reserve gigabytes, and fill them before it
  // fails: bounded here, such a model fails fast, and the runner never tries it.
  const rlim_t limit = child_memory_limit(model.size());
  const rlimit as{limit, limit};
  ::setrlimit(RLIMIT_AS, &as);
  std::unique_ptr<const Booster> booster;
  try {
    booster = std::make_unique<const Booster>(model, 1);  // one thread: no lanes, no teams
  } catch (const XGBoostError& e) {
    if (std::strstr(e.what(), "bad_alloc") != nullptr) return kOutOfMemory;
    // The refusal goes to the runner, which reports it without loading the model again.
    std::fwrite(e.what(), 1, std::min(std::strlen(e.what()), runner::kChildOutputBytes / 2), stdout);
    return kRefused;
  }
  // XGBoost's loader takes trees whose child indices or split features lie outside
  // the tree or the row, and crashes when a prediction follows them.
  if (!booster->splits_within_features()) return kBadSplitFeature;
  const std::uint64_t features = booster->num_features();
  if (features > 0 && features <= kCheckPredictMaxFeatures) {
    // And one prediction of four rows: every feature lowest, highest, missing, zero.
    std::vector<float> rows(4 * features, 0.0f);
    std::fill(rows.begin(), rows.begin() + features, std::numeric_limits<float>::lowest());
    std::fill(rows.begin() + features, rows.begin() + 2 * features, std::numeric_limits<float>::max());
    std::fill(rows.begin() + 2 * features, rows.begin() + 3 * features, std::numeric_limits<float>::quiet_NaN());
    const DenseRows dense = DenseRows::packed(rows.data(), 4, features);
    try {
      booster->predict(dense, Booster::predict_config({false, 0, 0, std::numeric_limits<double>::quiet_NaN()}),
                       nullptr, [](const Prediction&) {});
    } catch (const XGBoostError&) {
      // Only a crash is a verdict here.
    }
  }
  // What the runner loads instead of the file (CheckedModel::rewritten).
  try {
    const std::string saved = booster->saved_ubjson();
    return runner::write_child_result(saved.data(), saved.size()) ? 0 : kNoResult;
  } catch (const XGBoostError&) {
    return kNoResult;
  }
}

}  // namespace carton::runners::xgboost
