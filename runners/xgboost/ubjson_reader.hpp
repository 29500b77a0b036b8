// UbjsonReader: a bounds-checked cursor over UBJSON (ubjson.org), the format of
// XGBoost's .ubj models, for the runner's own check of a model before XGBoost parses
// it (saved_model_check.hpp).
//
// Why not XGBoost's reader: it trusts lengths, and its recursion has no depth limit.
// This one never reads past the end, refuses a length the remaining bytes cannot
// hold, and nests at most kMaxDepth containers. It builds nothing: a typed array (the
// form of every per-node array XGBoost writes) is handed back as a view of its bytes,
// so checking a model takes no memory in proportion to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace carton::runners::xgboost {

class UbjsonReader {
 public:
  // XGBoost's models nest six deep (root, learner, gradient_booster, [gbtree of dart],
  // model, trees, tree, tree_param); a recursion as deep as the bytes allow would take
  // the stack.
  static constexpr int kMaxDepth = 32;

  // A container's header: `[` or `{` and what follows it.
  struct Container {
    char type = 0;            // the element marker after `$`, or 0
    std::int64_t count = -1;  // after `#`, or -1: ended by `]` or `}`
  };
  // The elements of a typed array (`[$<type>#<count>`), in place.
  struct TypedArray {
    char type = 0;
    std::uint64_t count = 0;
    const std::uint8_t* data = nullptr;
    // Element i as an integer (types i U I l L) or a float (d D).
    std::int64_t integer(std::uint64_t i) const;
    double number(std::uint64_t i) const;
  };

  UbjsonReader(const std::uint8_t* data, std::size_t size) : p_(data), begin_(data), end_(data + size) {}

  bool at_end() const { return p_ == end_; }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }

  // The next marker, skipping the no-op `N`.
  char marker();
  char peek_marker();
  // An integer after its marker (one of i U I l L).
  std::int64_t integer_after(char marker);
  std::int64_t integer() { return integer_after(marker()); }
  // A string after `S`, or an object's key (no marker): a length, then its bytes.
  std::string_view string_body();
  // After `[` or `{`: the optional `$type` and `#count`.
  Container open();
  // A typed array's elements after open() said so; the cursor moves past them.
  TypedArray typed_elements(const Container& c);
  // Whether the container holds another element: its count not yet reached, or the
  // next marker not its end (`]` or `}`, then consumed). `taken` counts elements read.
  bool more(const Container& c, std::int64_t taken, char end);
  // Moves past the value whose marker was just read; `depth` is the current nesting.
  void skip(char marker, int depth);

  // Throws std::invalid_argument: "UBJSON at byte <offset>: <what>".
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const std::uint8_t* take(std::size_t n);

  const std::uint8_t* p_;
  const std::uint8_t* begin_;
  const std::uint8_t* end_;
};

// Bytes of one element of the type marker, or 0 for a type without a fixed width.
std::size_t ubjson_width(char type);

}  // namespace carton::runners::xgboost
