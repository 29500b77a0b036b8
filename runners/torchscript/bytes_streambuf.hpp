// BytesStreambuf: a read-only, seekable std::streambuf over a wire::Bytes, so that
// torch::jit::load, which reads from a std::istream, can read model.pt straight from
// the frame the filesystem client received it in. A std::istringstream would first
// copy the whole model into a std::string.
#pragma once

#include <ios>
#include <streambuf>

#include "carton/wire/bytes.hpp"

namespace carton::runners::torchscript {

class BytesStreambuf : public std::streambuf {
 public:
  // `bytes` keeps its buffer alive; the streambuf keeps a copy of it (no data copy).
  explicit BytesStreambuf(wire::Bytes bytes) : bytes_(std::move(bytes)) {
    // std::streambuf's get area is char*, but only a put-back of a different
    // character would write through it, and pbackfail() (not overridden) refuses that.
    char* begin = const_cast<char*>(reinterpret_cast<const char*>(bytes_.data()));
    setg(begin, begin, begin + bytes_.size());
  }

 protected:
  // torch's stream reader seeks to the end to learn the size, then reads by offset.
  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override {
    if (!(which & std::ios_base::in)) return pos_type(off_type(-1));
    off_type base = dir == std::ios_base::beg ? 0 : dir == std::ios_base::cur ? gptr() - eback() : egptr() - eback();
    const off_type target = base + off;
    if (target < 0 || target > egptr() - eback()) return pos_type(off_type(-1));
    setg(eback(), eback() + target, egptr());
    return pos_type(target);
  }
  pos_type seekpos(pos_type pos, std::ios_base::openmode which) override {
    return seekoff(off_type(pos), std::ios_base::beg, which);
  }

 private:
  wire::Bytes bytes_;
};

}  // namespace carton::runners::torchscript
