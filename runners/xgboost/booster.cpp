#include "booster.hpp"

#include <omp.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "carton/wire/json_value.hpp"

namespace carton::runners::xgboost {

namespace {

void check(int rc, const char* what) {
  if (rc != 0) throw XGBoostError(std::string(what) + ": " + last_error());
}

std::string saved_as(void* handle, const char* config) {
  bst_ulong size = 0;
  const char* data = nullptr;
  check(XGBoosterSaveModelToBuffer(handle, config, &size, &data), "XGBoosterSaveModelToBuffer");
  return std::string(data, size);
}

// The gradient booster's name in the learner's configuration: gbtree, dart, gblinear.
std::string booster_name(void* handle) {
  bst_ulong size = 0;
  const char* config = nullptr;
  check(XGBoosterSaveJsonConfig(handle, &size, &config), "XGBoosterSaveJsonConfig");
  const wire::JsonValue parsed = wire::parse_json(std::string_view(config, size));
  const wire::JsonValue* learner = parsed.find("learner");
  const wire::JsonValue* booster = learner ? learner->find("gradient_booster") : nullptr;
  const wire::JsonValue* name = booster ? booster->find("name") : nullptr;
  return name ? name->text : std::string();
}

// The "missing" member of a predict_config() string, as it is written there.
std::string missing_of(const std::string& config) {
  const std::string key = "\"missing\":";
  const auto at = config.find(key);
  if (at == std::string::npos) return "NaN";
  const auto from = at + key.size();
  return config.substr(from, config.find(',', from) - from);
}

std::string array_interface(const DenseRows& a, bool matrix) {
  char buf[256];
  const auto ptr = reinterpret_cast<std::uintptr_t>(a.data);
  const char* type = a.float64 ? "<f8" : "<f4";
  if (matrix) {
    std::snprintf(buf, sizeof buf,
                  "{\"data\":[%ju,true],\"shape\":[%ju,%ju],\"strides\":[%ju,%ju],\"typestr\":\"%s\",\"version\":3}",
                  std::uintmax_t(ptr), std::uintmax_t(a.rows), std::uintmax_t(a.columns), std::uintmax_t(a.row_stride),
                  std::uintmax_t(a.column_stride), type);
  } else {
    std::snprintf(buf, sizeof buf,
                  "{\"data\":[%ju,true],\"shape\":[%ju],\"strides\":[%ju],\"typestr\":\"%s\",\"version\":3}",
                  std::uintmax_t(ptr), std::uintmax_t(a.rows), std::uintmax_t(a.row_stride), type);
  }
  return buf;
}

// A number as python's json.dumps writes it, which XGBoost's JSON reader takes.
std::string json_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// OpenMP's default team size, read before any handler thread has set its own (on the
// main thread, at start-up): what XGBoost's nthread 0 would use.
const int kDefaultThreads = std::max(1, omp_get_max_threads());
// Rows XGBoost's CPU predictor gives each thread at a time (kBlockOfRowsSize, 1.7).
constexpr std::uint64_t kRowsPerBlock = 64;

struct ProxyFree {
  void operator()(void* p) const { XGDMatrixFree(p); }
};

// This thread's proxy DMatrix for predictions without a base margin. Why: given none,
// XGBoosterPredictFromDense makes a proxy of its own per call, and making one reads
// the cgroup's CPU quota (two files opened and read) and the affinity mask: through
// carton's core that was 35 of a one-row request's ~50 us (in-process 55 us against 21
// per prediction). Why per thread: the prediction writes the proxy's row count, so
// threads predicting at once must not share one. XGBoost reads nothing else from it
// when no base margin is set on it, and none ever is on this one.
void* thread_proxy() {
  thread_local std::unique_ptr<void, ProxyFree> proxy = [] {
    DMatrixHandle p = nullptr;
    if (XGProxyDMatrixCreate(&p) != 0) p = nullptr;  // then XGBoost makes one per call
    return std::unique_ptr<void, ProxyFree>(p);
  }();
  return proxy.get();
}

}  // namespace

std::string last_error() {
  std::string e = XGBGetLastError();
  if (const auto nl = e.find('\n'); nl != std::string::npos) e.resize(nl);
  if (e.size() > 11 && e[0] == '[' && e[9] == ']' && e[10] == ' ') e.erase(0, 11);
  return e;
}

std::string library_version() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

DenseRows DenseRows::packed(const float* data, std::uint64_t rows, std::uint64_t columns) {
  DenseRows r;
  r.data = data;
  r.rows = rows;
  r.columns = columns;
  r.row_stride = columns * sizeof(float);
  r.column_stride = sizeof(float);
  return r;
}

std::uint64_t Prediction::size() const {
  std::uint64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

Booster::Booster(const wire::Bytes& model, int max_threads) : max_threads_(max_threads > 0 ? max_threads : kDefaultThreads) {
  check(XGBoosterCreate(nullptr, 0, &handle_), "XGBoosterCreate");
  try {
    // The booster's nthread stays 0, so each prediction takes the calling thread's
    // OpenMP setting, which predict() sets per request (threads_for). Loading runs on
    // one thread: a team made here, on a thread that may never predict, would count
    // against the cores, and libgomp stops spinning between a prediction's parallel
    // regions once its threads outnumber the cores (7% of a 100,000-row round trip).
    omp_set_num_threads(1);
    check(XGBoosterLoadModelFromBuffer(handle_, model.data(), model.size()), kCannotLoad);
    bst_ulong features = 0;
    check(XGBoosterGetNumFeature(handle_, &features), "XGBoosterGetNumFeature");
    num_features_ = features;
    check(XGBoosterBoostedRounds(handle_, &boosted_rounds_), "XGBoosterBoostedRounds");
    linear_ = booster_name(handle_) == "gblinear";
    if (max_threads_ > 1) lanes_ = std::make_unique<runner::ComputeLanes>(std::max(1, kDefaultThreads / max_threads_));
  } catch (...) {
    XGBoosterFree(handle_);
    throw;
  }
}

Booster::~Booster() { XGBoosterFree(handle_); }

bool Booster::splits_within_features() const {
  bst_ulong trees = 0;
  const char** dump = nullptr;
  if (XGBoosterDumpModelEx(handle_, "", 0, "text", &trees, &dump) != 0) return true;
  // Each split prints as "[f<feature><..." (or "[f<feature>:{...}]" for a categorical one).
  for (bst_ulong t = 0; t < trees; ++t) {
    for (const char* p = std::strstr(dump[t], "[f"); p; p = std::strstr(p + 2, "[f")) {
      if (std::strtoull(p + 2, nullptr, 10) >= num_features_) return false;
    }
  }
  return true;
}

int Booster::threads_for(std::uint64_t rows) const {
  const std::uint64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  return static_cast<int>(std::clamp<std::uint64_t>(blocks, 1, static_cast<std::uint64_t>(max_threads_)));
}

void Booster::warm_up(const std::string& config) const {
  if (num_features_ == 0) return;
  // False when XGBoost refuses: the first real request will say why.
  auto predict_zeros = [&](std::uint64_t n) {
    const std::vector<float> zeros(n * num_features_, 0.0f);
    try {
      predict(DenseRows::packed(zeros.data(), n, num_features_), config, nullptr, [](const Prediction&) {});
      return true;
    } catch (const XGBoostError&) {
      return false;
    }
  };
  if (!predict_zeros(1) || !lanes_) return;
  // Enough rows for every lane thread, but at most 1 MiB of them.
  const std::uint64_t most = std::max<std::uint64_t>(1, (std::uint64_t(1) << 18) / num_features_);
  predict_zeros(std::min(kRowsPerBlock * static_cast<std::uint64_t>(max_threads_), most));
}

std::string Booster::saved_json() const { return saved_as(handle_, "{\"format\": \"json\"}"); }

std::string Booster::saved_ubjson() const { return saved_as(handle_, "{\"format\": \"ubj\"}"); }

std::string Booster::predict_config(const PredictConfig& c) {
  // type 0 is the transformed value, 1 the margin; strict_shape false gives
  // Booster.predict's shapes.
  return "{\"type\":" + std::string(c.output_margin ? "1" : "0") +
         ",\"training\":false,\"iteration_begin\":" + std::to_string(c.iteration_begin) +
         ",\"iteration_end\":" + std::to_string(c.iteration_end) + ",\"missing\":" + json_number(c.missing) +
         ",\"strict_shape\":false,\"cache_id\":0}";
}

void Booster::predict(const DenseRows& rows, const std::string& config, const DenseRows* base_margin,
                      const std::function<void(const Prediction&)>& take) const {
  const int threads = threads_for(rows.rows);
  auto once = [&] {
    // This thread's OpenMP team size, which XGBoost reads for each call (the booster's
    // nthread is 0). Nothing else opens parallel regions on these threads.
    omp_set_num_threads(threads);
    // This call's own DMatrix: a proxy for a base margin, as python's inplace_predict
    // passes it; for gblinear the rows themselves, read with the same missing value.
    std::unique_ptr<void, ProxyFree> matrix;
    DMatrixHandle m = nullptr;
    if (linear_) {
      const std::string dense =
          "{\"missing\":" + missing_of(config) + ",\"nthread\":" + std::to_string(threads) + "}";
      check(XGDMatrixCreateFromDense(array_interface(rows, true).c_str(), dense.c_str(), &m),
            "XGDMatrixCreateFromDense");
      matrix.reset(m);
    } else if (base_margin) {
      check(XGProxyDMatrixCreate(&m), "XGProxyDMatrixCreate");
      matrix.reset(m);
    }
    if (base_margin) {
      check(XGDMatrixSetInfoFromInterface(m, "base_margin",
                                          array_interface(*base_margin, base_margin->columns != 0).c_str()),
            "base_margin");
    }
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* values = nullptr;
    if (linear_) {
      check(XGBoosterPredictFromDMatrix(handle_, m, config.c_str(), &shape, &dims, &values), "XGBoost cannot predict");
    } else {
      check(XGBoosterPredictFromDense(handle_, array_interface(rows, true).c_str(), config.c_str(),
                                      matrix ? m : thread_proxy(), &shape, &dims, &values),
            "XGBoost cannot predict");
    }
    Prediction out;
    out.values = values;
    out.shape.assign(shape, shape + dims);
    take(out);
  };
  if (threads > 1 && lanes_) {
    lanes_->run(once);
  } else {
    once();
  }
}

}  // namespace carton::runners::xgboost
