// Map: the C++ form of a Rust map on the wire (u64 count, then key/value pairs).
//
// It keeps entries in the order they were received or inserted, so that re-encoding a
// decoded message reproduces its bytes exactly even though the sender's HashMap order
// is arbitrary. Equality ignores order, as the Rust side's does. Lookup is a linear
// scan: maps on this wire carry a handful of tensors or options.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

namespace carton::wire {

template <class K, class V>
class Map {
 public:
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<K, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  Map() = default;
  Map(std::initializer_list<value_type> init) {
    for (const auto& e : init) insert_or_assign(e.first, e.second);
  }

  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void reserve(std::size_t n) { entries_.reserve(n); }
  void clear() { entries_.clear(); }

  template <class Key>
  iterator find(const Key& key) {
    return std::find_if(begin(), end(), [&](const value_type& e) { return e.first == key; });
  }
  template <class Key>
  const_iterator find(const Key& key) const {
    return std::find_if(begin(), end(), [&](const value_type& e) { return e.first == key; });
  }
  template <class Key>
  bool contains(const Key& key) const { return find(key) != end(); }

  template <class Key>
  const V& at(const Key& key) const {
    auto it = find(key);
    if (it == end()) throw std::out_of_range("carton::wire::Map::at: no such key");
    return it->second;
  }
  template <class Key>
  V& at(const Key& key) {
    auto it = find(key);
    if (it == end()) throw std::out_of_range("carton::wire::Map::at: no such key");
    return it->second;
  }

  V& operator[](const K& key) {
    auto it = find(key);
    if (it != end()) return it->second;
    entries_.emplace_back(key, V{});
    return entries_.back().second;
  }
  template <class VV>
  V& insert_or_assign(K key, VV&& value) {
    auto it = find(key);
    if (it != end()) return it->second = std::forward<VV>(value);
    entries_.emplace_back(std::move(key), std::forward<VV>(value));
    return entries_.back().second;
  }
  // Appends without looking for the key: for decoders, which check duplicates at once.
  value_type& append(K key, V value) {
    entries_.emplace_back(std::move(key), std::move(value));
    return entries_.back();
  }
  template <class Key>
  bool erase(const Key& key) {
    auto it = find(key);
    if (it == end()) return false;
    entries_.erase(it);
    return true;
  }

  friend bool operator==(const Map& a, const Map& b) {
    if (a.size() != b.size()) return false;
    for (const auto& e : a) {
      auto it = b.find(e.first);
      if (it == b.end() || !(it->second == e.second)) return false;
    }
    return true;
  }
  friend bool operator!=(const Map& a, const Map& b) { return !(a == b); }

 private:
  std::vector<value_type> entries_;
};

}  // namespace carton::wire
