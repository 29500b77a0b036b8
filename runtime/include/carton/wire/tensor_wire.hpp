// The tensor's wire codec. Tensor is the schema's one `native` union: the runtime
// represents it with carton::wire::Tensor (views into the frame) and encodes it here,
// from the tag layout the generator derives from schema/tensor.fbs and checks against
// the structure this codec speaks:
//   u32 variant tag; then
//   nested:  u64 count, that many tensors
//   others:  u32 storage tag (numeric or string), 0x01 (Option always Some),
//            numeric: u64 byte count + raw bytes | string: u64 count + strings,
//            shape: u64 count + u64 dims, strides: Option<u64 count + u64 strides>.
#pragma once

#include <cstdint>
#include <vector>

#include "carton/wire/reader.hpp"
#include "carton/wire/tensor.hpp"
#include "carton/wire/writer.hpp"

namespace carton::wire {

struct TensorWireLayout {
  std::size_t tag_width;
  std::vector<DType> dtype_by_tag;  // index: wire tag
  std::size_t storage_tag_width;
  std::uint32_t numeric_storage_tag;
  std::uint32_t string_storage_tag;

  std::uint32_t tag_of(DType dtype) const;
};

void decode_tensor(Reader& r, Tensor& out, const TensorWireLayout& layout);
void encode_tensor(Writer& w, const Tensor& t, const TensorWireLayout& layout);

}  // namespace carton::wire
