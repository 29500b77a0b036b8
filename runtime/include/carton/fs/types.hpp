// Vocabulary of the remote filesystem (carton's `anywhere` protocol), shared by the
// runner-side client (FileSystem) and the core-side server (DirectoryServer).
//
// The value types are the generated wire types themselves, so what a caller gets is
// exactly what travelled; the aliases only give them shorter names in carton::fs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "carton/wire/fs_codec.hpp"  // to_string(IoErrorKind)
#include "carton/wire/fs_types.hpp"

namespace carton::fs {

// What the served filesystem allows. carton's core serves a Load read-only and a Pack
// read-write; neither allows Seek (FACTS.md, "FileSystem channel").
enum class Access { kReadOnly, kReadWrite };
const char* to_string(Access access);

using IoErrorKind = wire::fs::IoErrorKind;
using Metadata = wire::fs::Metadata;
using FileType = wire::fs::FileType;
using Permissions = wire::fs::Permissions;
using OpenOptions = wire::fs::OpenOptions;
using DirEntry = wire::fs::DirEntry;  // {file_name, path relative to the served root}
using SeekFrom = wire::fs::SeekFrom;  // SeekStart / SeekEnd / SeekCurrent
using SystemTime = wire::fs::SystemTime;
using SystemTimeResult = wire::fs::SystemTimeResult;
using FileHandle = wire::fs::FileHandle;

// to_string(IoErrorKind): "NotFound", "PermissionDenied", ... (Rust's ErrorKind names).
using wire::fs::to_string;

// A Metadata timestamp as a time point; nullopt when the server said it has none (for
// example `created` on a filesystem without birth times).
std::optional<std::chrono::system_clock::time_point> to_time_point(const SystemTimeResult& t);

// 4 MiB: large enough that reading a 1 GiB file costs ~256 round trips (socket
// throughput dominates), small enough that a chunk is a negligible share of memory.
// FileSystemOptions::chunk_bytes configures it per filesystem.
inline constexpr std::size_t kDefaultChunkBytes = std::size_t{4} << 20;

}  // namespace carton::fs
