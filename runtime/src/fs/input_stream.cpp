#include "carton/fs/input_stream.hpp"

#include <algorithm>
#include <cstring>

namespace carton::fs {

FileStreambuf::FileStreambuf(File file, std::size_t chunk_bytes)
    : file_(std::move(file)),
      chunk_bytes_(chunk_bytes != 0 ? chunk_bytes : file_.filesystem()->options().chunk_bytes) {
  setg(nullptr, nullptr, nullptr);
}

bool FileStreambuf::fetch() {
  if (eof_ || error_) return false;
  consumed_ += static_cast<std::uint64_t>(egptr() - eback());
  chunk_ = {};  // release the previous frame before the next arrives
  setg(nullptr, nullptr, nullptr);
  try {
    chunk_ = file_.read_chunk(chunk_bytes_);
  } catch (const IoError& e) {
    error_ = e;
    throw;  // std::istream sets badbit (and rethrows if asked to)
  }
  if (chunk_.empty()) {
    eof_ = true;
    return false;
  }
  // The get area points into the received frame; nothing writes through it
  // (pbackfail is not overridden, so putback of a different char fails).
  char* p = const_cast<char*>(reinterpret_cast<const char*>(chunk_.data()));
  setg(p, p, p + chunk_.size());
  return true;
}

FileStreambuf::int_type FileStreambuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (!fetch()) return traits_type::eof();
  return traits_type::to_int_type(*gptr());
}

std::streamsize FileStreambuf::xsgetn(char_type* s, std::streamsize n) {
  std::streamsize total = 0;
  while (total < n) {
    if (gptr() == egptr() && !fetch()) break;
    const std::streamsize take = std::min<std::streamsize>(n - total, egptr() - gptr());
    std::memcpy(s + total, gptr(), static_cast<std::size_t>(take));
    setg(eback(), gptr() + take, egptr());  // not gbump: its int would cap chunk sizes
    total += take;
  }
  return total;
}

std::streamsize FileStreambuf::showmanyc() {
  if (gptr() < egptr()) return egptr() - gptr();
  return eof_ ? -1 : 0;
}

FileStreambuf::pos_type FileStreambuf::seekoff(off_type off, std::ios_base::seekdir dir,
                                               std::ios_base::openmode which) {
  // Only the position query (tellg) is supported: the served files cannot seek.
  if (off != 0 || dir != std::ios_base::cur || !(which & std::ios_base::in)) return pos_type(off_type(-1));
  return pos_type(static_cast<off_type>(consumed_ + static_cast<std::uint64_t>(gptr() - eback())));
}

InputStream::InputStream(File file, std::size_t chunk_bytes)
    : std::istream(nullptr), buf_(std::move(file), chunk_bytes) {
  rdbuf(&buf_);
}

std::unique_ptr<InputStream> open_input_stream(const std::shared_ptr<FileSystem>& fs, const std::string& path,
                                               std::size_t chunk_bytes) {
  return std::make_unique<InputStream>(fs->open(path), chunk_bytes);
}

}  // namespace carton::fs
