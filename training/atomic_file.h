#pragma once
// Files that are either wholly written or not there: the bytes go to a temporary file beside the
// target, are flushed to the disk (fsync) and renamed over it. A failed write (a full disk, a
// read-only folder) removes the temporary file and names the target and the reason.

#include <string>
#include <string_view>

namespace attnzoo {

/// Writes `bytes` to `path` atomically; std::runtime_error "PATH: cannot write (REASON)" on
/// failure, with `path` untouched.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace attnzoo
