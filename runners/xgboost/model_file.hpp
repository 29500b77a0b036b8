// The model file: which one Load reads, what format it is in, and whether this
// runner's XGBoost may load it.
//
//   Which file   the runner option model_file, else the first of kModelFiles that
//                exists in the model directory (so a folder saved with
//                booster.save_model("model.json") loads without options).
//   Format       by its first bytes, as XGBoost's own loader tells them: '{' then '"'
//                is JSON, '{' then a type marker UBJSON, anything else the legacy
//                binary format (XGBoost < 1.0, or save_raw("deprecated")).
//   Version      JSON and UBJSON models record the XGBoost that saved them. XGBoost
//                1.7 loads a model of a later major version without a word, and may
//                then predict with parameters it misreads; the runner refuses a model
//                of a major version above its library's instead, naming both. Older
//                models load: XGBoost reads its earlier formats.
//   Crashes      a damaged model must fail the Load, not kill the runner. XGBoost's
//                loader takes damaged trees (a child index or a split feature out of
//                range) and crashes when a prediction follows them; one byte changed
//                in a UBJSON or legacy binary model crashes the loader itself now and
//                then (docs/runners/xgboost.md has the counts). With check_in_child
//                (the default) the model is first loaded in a child process
//                (carton/runner/child_check.hpp) that walks every tree node (XGBoost's
//                text dump), checks every split's feature against the model's, and
//                predicts four rows (every feature lowest, highest, missing, zero); a
//                child killed by a signal or the deadline, or a bad split feature,
//                refuses the model. A damaged tree off those rows' paths whose split
//                feature is in range but whose threshold sends a later row astray
//                cannot be told from a good one this way. The runner then loads
//                the model as the child saved it, never the file's own bytes.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "carton/wire/bytes.hpp"

namespace carton::runners::xgboost {

// Searched in this order; each is also the name a packed model holds its format under.
constexpr const char* kModelFiles[] = {"model.json", "model.ubj", "model.bin"};

enum class ModelFormat { json, ubjson, legacy_binary };
ModelFormat model_format(const wire::Bytes& model);
const char* format_name(ModelFormat f);
// model.json, model.ubj or model.bin.
const char* file_name(ModelFormat f);

using Version = std::array<long, 3>;
std::string version_string(const Version& v);  // "1.7.4"
// The version a JSON or UBJSON model records, if it records one.
std::optional<Version> saved_version(const wire::Bytes& model, ModelFormat format);
// saved_version(); throws std::invalid_argument when it is of a major version above
// the library's.
std::optional<Version> check_saved_version(const wire::Bytes& model, ModelFormat format, const std::string& file);

// Loading a large model takes seconds; minutes are a hang.
constexpr std::chrono::seconds kLoadCheckDeadline{120};
// The flag that makes the runner binary the child (main.cpp).
constexpr char kLoadCheckFlag[] = "--check-model";
// What the child made of a model.
struct CheckedModel {
  // XGBoost's refusal when the child's load failed (the runner does not try the load
  // again, without the child's memory limit).
  std::optional<std::string> refusal;
  // Else the model as XGBoost itself saved it (UBJSON) once loaded in the child: what
  // the runner loads, so that its own process never parses the untrusted bytes. Why: a
  // damaged UBJSON length makes XGBoost's loader read past an array, which faults in
  // one process's heap layout and not in another's, so a child that survived the load
  // did not prove the runner would. They have passed check_saved_model()
  // (saved_model_check.hpp): XGBoost saves damaged trees as they are, and the child
  // may have been taken over by the model.
  wire::Bytes rewritten;
};
// Loads `model` in a child (`binary` is the runner's own). Throws std::runtime_error
// when the child dies by a signal, passes the deadline or runs out of its memory, or
// when what it saved fails check_saved_model().
CheckedModel check_load_in_child(const wire::Bytes& model, const std::string& file, const std::string& binary);
// The child's side: main() calls it when argv[1] is kLoadCheckFlag.
int run_load_check();

}  // namespace carton::runners::xgboost
