// RunnerOptions: a strict reader of Load's runner_opts (the options a model's manifest
// gives its runner).
//
// Why strict: the options come from whoever packed the model, and a misspelt option
// ("nthreads") or one of the wrong type (`nthread = "4"`) silently ignored is a model
// that runs, slowly or wrongly, with nobody told. carton's own runners ignore both;
// a runner built on this reader refuses them at Load, naming the option.
//
// Usage, in on_load:
//   runner::RunnerOptions opts(request.runner_opts);
//   const std::int64_t nthread = opts.integer_in("nthread", 0, 0, 1024, "0 is the default");
//   const double missing = opts.number("missing", std::nan(""));
//   const std::string file = opts.string("model_file", "model.json");
//   opts.refuse_unknown();   // after every option was asked for
//
// Every error is std::invalid_argument whose message names the option, what it holds
// and what it takes: "runner option 'nthread' is a string (\"4\"); it takes an integer".
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "carton/wire/map.hpp"
#include "carton/wire/rpc_types.hpp"

namespace carton::runner {

class RunnerOptions {
 public:
  using Options = wire::Map<std::string, wire::RunnerOpt>;

  explicit RunnerOptions(const std::optional<Options>& options) : options_(options ? &*options : nullptr) {}
  explicit RunnerOptions(const Options& options) : options_(&options) {}

  // The value of `key`, or nullopt / the default when absent.
  std::optional<std::int64_t> integer(std::string_view key);
  std::int64_t integer(std::string_view key, std::int64_t def) { return integer(key).value_or(def); }
  // An integer in [min, max]; outside it, "runner option 'k' is 0; it takes 1 to 64
  // (<why>)". The default is not checked.
  std::optional<std::int64_t> integer_in(std::string_view key, std::int64_t min, std::int64_t max, std::string_view why);
  std::int64_t integer_in(std::string_view key, std::int64_t def, std::int64_t min, std::int64_t max,
                          std::string_view why) {
    return integer_in(key, min, max, why).value_or(def);
  }
  // A Double, or an Integer whose value a double holds exactly (|v| <= 2^53).
  std::optional<double> number(std::string_view key);
  double number(std::string_view key, double def) { return number(key).value_or(def); }
  std::optional<bool> boolean(std::string_view key);
  bool boolean(std::string_view key, bool def) { return boolean(key).value_or(def); }
  std::optional<std::string> string(std::string_view key);
  std::string string(std::string_view key, std::string def) { return string(key).value_or(std::move(def)); }

  // Throws naming every option no getter above asked for, and the options asked for.
  void refuse_unknown() const;

 private:
  const wire::RunnerOpt* find(std::string_view key);
  [[noreturn]] static void wrong_type(std::string_view key, const wire::RunnerOpt& v, const char* takes);

  const Options* options_;
  std::set<std::string, std::less<>> asked_;
};

}  // namespace carton::runner
