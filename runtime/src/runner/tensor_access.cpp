#include "carton/runner/tensor_access.hpp"

#include <cstring>
#include <limits>
#include <new>

#include "carton/runtime/frame_reader.hpp"
#include "carton/runtime/large_buffer_pool.hpp"

namespace carton::runner {

namespace {

std::string prefix(std::string_view name) { return "input '" + std::string(name) + "'"; }

[[noreturn]] void fail(std::string_view name, const std::string& why) {
  throw TensorError(prefix(name) + ": " + why);
}

std::string dims_text(const wire::Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Copies of this size or more reuse pooled memory (see the header).
constexpr std::size_t kPooledCopyBytes = runtime::FrameReader::kHugePayloadBytes;

// Writable memory of `bytes` bytes aligned for every element type, and its owner.
std::pair<std::uint8_t*, std::shared_ptr<const void>> allocate(std::size_t bytes) {
  if (bytes >= kPooledCopyBytes) {
    static const auto pool = runtime::LargeBufferPool::create();
    std::shared_ptr<std::uint8_t> buffer = pool->acquire(bytes);
    if (!buffer) throw std::bad_alloc();
    std::uint8_t* p = buffer.get();
    return {p, std::move(buffer)};
  }
  // operator new aligns for every fundamental type, which covers every dtype.
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(bytes);
  std::uint8_t* p = buffer->data();
  return {p, std::move(buffer)};
}

bool is_aligned(const void* p, std::size_t element) {
  return reinterpret_cast<std::uintptr_t>(p) % element == 0;
}

// Copies the elements that `layout` reaches from `src` into `dst` in C order.
void gather(std::uint8_t* dst, const std::uint8_t* src, const TensorLayout& layout, std::size_t element) {
  const std::size_t rank = layout.sizes.size();
  if (rank == 0) {
    std::memcpy(dst, src, element);
    return;
  }
  // Innermost rows are copied whole when their elements are adjacent.
  const std::size_t row = static_cast<std::size_t>(layout.sizes[rank - 1]);
  const bool dense_rows = layout.strides[rank - 1] == 1;
  std::vector<std::int64_t> index(rank, 0);
  for (;;) {
    std::size_t offset = 0;
    for (std::size_t d = 0; d + 1 < rank; ++d) offset += static_cast<std::size_t>(index[d] * layout.strides[d]);
    if (dense_rows) {
      std::memcpy(dst, src + offset * element, row * element);
      dst += row * element;
    } else {
      const std::size_t step = static_cast<std::size_t>(layout.strides[rank - 1]);
      for (std::size_t i = 0; i < row; ++i, dst += element) std::memcpy(dst, src + (offset + i * step) * element, element);
    }
    // The next index over the outer dimensions, last one fastest.
    std::size_t d = rank - 1;
    while (d-- > 0) {
      if (++index[d] < layout.sizes[d]) break;
      index[d] = 0;
    }
    if (d == static_cast<std::size_t>(-1)) return;
  }
}

}  // namespace

const wire::Tensor& require_tensor(const wire::Map<std::string, wire::Tensor>& tensors, std::string_view name) {
  const auto it = tensors.find(std::string(name));
  if (it != tensors.end()) return it->second;
  std::string given;
  for (const auto& [key, value] : tensors) given += (given.empty() ? "'" : ", '") + key + "'";
  throw TensorError(prefix(name) + " is missing; the request has " + (given.empty() ? "no tensors" : given));
}

void require_dtype(std::string_view name, const wire::Tensor& t, std::initializer_list<wire::DType> accepted) {
  std::string list;
  std::size_t i = 0;
  for (const wire::DType d : accepted) {
    if (d == t.dtype()) return;
    list += (i == 0 ? "" : i + 1 == accepted.size() ? " or " : ", ") + std::string(wire::to_string(d));
    ++i;
  }
  fail(name, std::string("is ") + wire::to_string(t.dtype()) + "; this runner takes " + list);
}

void require_rank(std::string_view name, const wire::Tensor& t, std::size_t rank, std::string_view dims) {
  if (t.shape().size() == rank) return;
  throw TensorError(prefix(name) + " has " + std::to_string(t.shape().size()) + " dimensions " +
                    dims_text(t.shape()) + "; this runner takes " + std::to_string(rank) +
                    (dims.empty() ? "" : " (" + std::string(dims) + ")"));
}

void require_dim(std::string_view name, const wire::Tensor& t, std::size_t axis, std::uint64_t expected,
                 std::string_view what) {
  if (axis >= t.shape().size()) {
    fail(name, "has no dimension " + std::to_string(axis) + " (shape " + dims_text(t.shape()) + ")");
  }
  if (t.shape()[axis] == expected) return;
  fail(name, "dimension " + std::to_string(axis) + (what.empty() ? "" : " (" + std::string(what) + ")") + " is " +
                 std::to_string(t.shape()[axis]) + "; the model takes " + std::to_string(expected));
}

namespace {
void require_numeric(std::string_view name, const wire::Tensor& t) {
  if (!wire::is_numeric(t.dtype())) {
    fail(name, std::string("is a ") + wire::to_string(t.dtype()) + " tensor; a numeric one is needed here");
  }
}
}  // namespace

namespace {

struct Scan {
  std::uint64_t numel = 1;
  bool c_order = true;
};

// checked_layout()'s checks; writes each dimension's size and stride to `sizes` and
// `strides` when they are given (rank entries each), so that check_layout() makes none.
Scan scan_layout(std::string_view name, const wire::Tensor& t, std::int64_t* sizes, std::int64_t* strides) {
  if (t.dtype() == wire::DType::kNested) fail(name, "is a nested tensor, which has no layout");
  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const wire::Shape& shape = t.shape();
  const auto& given = t.strides();
  if (given && given->size() != shape.size()) {
    fail(name, "shape " + dims_text(shape) + " has " + std::to_string(shape.size()) + " dimensions but strides " +
                   dims_text(*given) + " has " + std::to_string(given->size()));
  }
  Scan l;
  bool overflow = false, empty = false;
  std::uint64_t c_stride = 1;  // the C-order stride of the dimension at hand
  // The last element reached: the sum of (size - 1) * stride.
  std::uint64_t last = 0;
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] > kMax) fail(name, "dimension " + std::to_string(shape[i]) + " is larger than 2^63-1");
    const std::uint64_t stride = given ? (*given)[i] : c_stride;
    if (stride > kMax) fail(name, "stride " + std::to_string(stride) + " is larger than 2^63-1");
    if (sizes) sizes[i] = static_cast<std::int64_t>(shape[i]);
    if (strides) strides[i] = static_cast<std::int64_t>(stride);
    if (shape[i] > 1 && stride != c_stride) l.c_order = false;
    overflow |= __builtin_mul_overflow(c_stride, shape[i], &c_stride);
    overflow |= __builtin_mul_overflow(l.numel, shape[i], &l.numel);
    empty |= shape[i] == 0;
    std::uint64_t span;
    overflow |= shape[i] != 0 && __builtin_mul_overflow(shape[i] - 1, stride, &span);
    overflow |= shape[i] != 0 && __builtin_add_overflow(last, span, &last);
  }
  // A 0 dimension reads nothing, whatever the others are (their product may overflow).
  if (empty) {
    l.numel = 0;
    return l;
  }
  const std::size_t stored = t.storage_elements();
  if (overflow || last >= stored) {
    fail(name, "shape " + dims_text(shape) + (given ? " with strides " + dims_text(*given) : "") + " reads past its " +
                   std::to_string(stored) + " stored elements");
  }
  return l;
}

}  // namespace

TensorLayout checked_layout(std::string_view name, const wire::Tensor& t) {
  TensorLayout l;
  l.sizes.resize(t.shape().size());
  l.strides.resize(t.shape().size());
  const Scan scan = scan_layout(name, t, l.sizes.data(), l.strides.data());
  l.numel = scan.numel;
  l.c_order = scan.c_order;
  return l;
}

void check_layout(std::string_view name, const wire::Tensor& t) { scan_layout(name, t, nullptr, nullptr); }

namespace detail {

const void* c_order_elements(std::string_view name, const wire::Tensor& t, std::size_t element,
                             void* (*scratch)(void* self, std::size_t bytes), void* self) {
  require_numeric(name, t);
  const Scan scan = scan_layout(name, t, nullptr, nullptr);
  const std::uint8_t* stored = t.bytes().data();
  if (scan.numel == 0 || (scan.c_order && is_aligned(stored, element))) return stored;
  const std::size_t bytes = static_cast<std::size_t>(scan.numel) * element;
  void* out = scratch(self, bytes);
  if (scan.c_order) {
    std::memcpy(out, stored, bytes);
  } else {
    gather(static_cast<std::uint8_t*>(out), stored, checked_layout(name, t), element);
  }
  return out;
}

}  // namespace detail

ElementArray ElementArray::over(std::string_view name, const wire::Tensor& t) {
  require_numeric(name, t);
  ElementArray a;
  a.layout_ = checked_layout(name, t);
  a.dtype_ = t.dtype();
  a.data_ = t.bytes().data();
  a.owner_ = t.bytes().owner();
  return a;
}

std::uint8_t* ElementArray::own_copy(std::size_t bytes) {
  auto [p, owner] = allocate(bytes);
  data_ = p;
  owner_ = std::move(owner);
  copied_ = true;
  return p;
}

ElementArray c_order(std::string_view name, const wire::Tensor& t) {
  ElementArray a = ElementArray::over(name, t);
  const std::size_t element = wire::element_size(t.dtype());
  const std::uint8_t* stored = t.bytes().data();
  if (a.layout_.numel != 0 && !(a.layout_.c_order && is_aligned(stored, element))) {
    std::uint8_t* p = a.own_copy(a.size_bytes());
    if (a.layout_.c_order) {
      std::memcpy(p, stored, a.size_bytes());
    } else {
      gather(p, stored, a.layout_, element);
    }
  }
  // The elements are in C order now, whatever strides the tensor had.
  if (!a.layout_.c_order) {
    std::int64_t s = 1;
    for (std::size_t i = a.layout_.sizes.size(); i-- > 0;) {
      a.layout_.strides[i] = s;
      s *= a.layout_.sizes[i];
    }
    a.layout_.c_order = true;
  }
  return a;
}

ElementArray aligned(std::string_view name, const wire::Tensor& t) {
  ElementArray a = ElementArray::over(name, t);
  const wire::Bytes& stored = t.bytes();
  if (!is_aligned(stored.data(), wire::element_size(t.dtype()))) {
    std::memcpy(a.own_copy(stored.size()), stored.data(), stored.size());
  }
  return a;
}

void ElementArray::throw_dtype_mismatch(wire::DType wanted) const {
  throw TensorError(std::string("ElementArray holds ") + wire::to_string(dtype_) + ", not " + wire::to_string(wanted));
}

}  // namespace carton::runner
