// FileStreambuf / InputStream: a served file as a std::streambuf / std::istream.
//
// Reads with ReadBytes of chunk_bytes each and exposes the received bytes in place (the
// get area points into the frame), so memory stays at about one chunk however large
// the file is, and no byte is copied by the adapter. Only reading; no seeking (the
// served filesystems do not allow it), but tellg() reports the position.
//
// Errors: std::istream turns an exception from the buffer into badbit (rethrown when
// exceptions(badbit) is set). The IoError itself is kept in error().
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <optional>
#include <streambuf>
#include <string>

#include "carton/fs/file_system.hpp"
#include "carton/fs/io_error.hpp"
#include "carton/wire/bytes.hpp"

namespace carton::fs {

class FileStreambuf : public std::streambuf {
 public:
  // chunk_bytes == 0 uses the filesystem's chunk_bytes.
  explicit FileStreambuf(File file, std::size_t chunk_bytes = 0);

  const File& file() const { return file_; }
  // The failure that ended reading, if any.
  const std::optional<IoError>& error() const { return error_; }

 protected:
  int_type underflow() override;
  std::streamsize xsgetn(char_type* s, std::streamsize n) override;
  std::streamsize showmanyc() override;
  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override;

 private:
  bool fetch();

  File file_;
  std::size_t chunk_bytes_;
  wire::Bytes chunk_;            // what the get area points into
  std::uint64_t consumed_ = 0;   // bytes before the current chunk
  bool eof_ = false;
  std::optional<IoError> error_;
};

class InputStream : public std::istream {
 public:
  explicit InputStream(File file, std::size_t chunk_bytes = 0);
  FileStreambuf& streambuf() { return buf_; }

 private:
  FileStreambuf buf_;
};

// Opens `path` (OpenFile) and wraps it. Throws IoError if it cannot be opened.
std::unique_ptr<InputStream> open_input_stream(const std::shared_ptr<FileSystem>& fs, const std::string& path,
                                               std::size_t chunk_bytes = 0);

}  // namespace carton::fs
