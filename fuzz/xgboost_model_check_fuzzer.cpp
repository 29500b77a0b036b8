// The XGBoost runner's check of a saved model (runners/xgboost/saved_model_check.hpp)
// given arbitrary bytes as the UBJSON that a runner's child hands back: the child is no
// more trusted than the model it loaded, so these bytes are hostile too.
//
// Input: the bytes, as they are.
// Finds: crashes and sanitizer reports (a read past the bytes, an overflow in a count or
// an index); hangs (the check is linear in the bytes); memory beyond libFuzzer's limit
// (nothing it keeps grows faster than the bytes); any exception other than
// std::invalid_argument, which is how every refusal must leave it.
// Ignores: the refusal's text, and whether a model is accepted.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "carton/wire/bytes.hpp"
#include "saved_model_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    carton::runners::xgboost::check_saved_model(carton::wire::Bytes::copy_of(data, size));
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
