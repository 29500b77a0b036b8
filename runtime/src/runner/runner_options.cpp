#include "carton/runner/runner_options.hpp"

#include <sstream>
#include <stdexcept>

namespace carton::runner {

namespace {

// 2^53: every integer of at most this magnitude is a double exactly.
constexpr std::int64_t kExactDouble = std::int64_t{1} << 53;

std::string describe(const wire::RunnerOpt& v) {
  std::ostringstream out;
  out.precision(17);
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, wire::IntegerOpt>) out << "an integer (" << o.value << ")";
        if constexpr (std::is_same_v<T, wire::DoubleOpt>) out << "a float (" << o.value << ")";
        if constexpr (std::is_same_v<T, wire::StringOpt>) out << "a string (\"" << o.value << "\")";
        if constexpr (std::is_same_v<T, wire::BooleanOpt>) out << "a boolean (" << (o.value ? "true" : "false") << ")";
      },
      v);
  return out.str();
}

}  // namespace

const wire::RunnerOpt* RunnerOptions::find(std::string_view key) {
  asked_.emplace(key);
  if (!options_) return nullptr;
  const auto it = options_->find(std::string(key));
  return it == options_->end() ? nullptr : &it->second;
}

void RunnerOptions::wrong_type(std::string_view key, const wire::RunnerOpt& v, const char* takes) {
  throw std::invalid_argument("runner option '" + std::string(key) + "' is " + describe(v) + "; it takes " + takes);
}

std::optional<std::int64_t> RunnerOptions::integer(std::string_view key) {
  const wire::RunnerOpt* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* i = std::get_if<wire::IntegerOpt>(v)) return i->value;
  wrong_type(key, *v, "an integer");
}

std::optional<std::int64_t> RunnerOptions::integer_in(std::string_view key, std::int64_t min, std::int64_t max,
                                                      std::string_view why) {
  const auto v = integer(key);
  if (v && (*v < min || *v > max)) {
    throw std::invalid_argument("runner option '" + std::string(key) + "' is " + std::to_string(*v) + "; it takes " +
                                std::to_string(min) + " to " + std::to_string(max) + " (" + std::string(why) + ")");
  }
  return v;
}

std::optional<double> RunnerOptions::number(std::string_view key) {
  const wire::RunnerOpt* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* d = std::get_if<wire::DoubleOpt>(v)) return d->value;
  if (const auto* i = std::get_if<wire::IntegerOpt>(v)) {
    if (i->value >= -kExactDouble && i->value <= kExactDouble) return static_cast<double>(i->value);
    wrong_type(key, *v, "a float (an integer only up to 2^53 in magnitude, which a float holds exactly)");
  }
  wrong_type(key, *v, "a float");
}

std::optional<bool> RunnerOptions::boolean(std::string_view key) {
  const wire::RunnerOpt* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* b = std::get_if<wire::BooleanOpt>(v)) return b->value;
  wrong_type(key, *v, "a boolean");
}

std::optional<std::string> RunnerOptions::string(std::string_view key) {
  const wire::RunnerOpt* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* s = std::get_if<wire::StringOpt>(v)) return s->value;
  wrong_type(key, *v, "a string");
}

void RunnerOptions::refuse_unknown() const {
  if (!options_) return;
  std::string unknown;
  std::size_t count = 0;
  for (const auto& [key, value] : *options_) {
    if (asked_.count(key)) continue;
    unknown += (unknown.empty() ? "'" : ", '") + key + "'";
    ++count;
  }
  if (count == 0) return;
  std::string known;
  for (const auto& key : asked_) known += (known.empty() ? "" : ", ") + key;
  throw std::invalid_argument(std::string(count == 1 ? "unknown runner option " : "unknown runner options ") + unknown +
                              " (this runner takes: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace carton::runner
