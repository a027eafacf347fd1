#include "training/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace attnzoo {

namespace fs = std::filesystem;

namespace {

// Flushes a folder's entries, so that the rename itself survives a power loss.
void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  // The process id keeps two writers of one path (two runs sharing --out) off each other's file.
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  auto fail = [&](const char* what, int error) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": cannot write (" + what + ": " + std::strerror(error) + ")");
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    throw std::runtime_error(path + ": cannot write (" + std::strerror(error) + ")");
  }
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      ::close(fd);
      fail("write", error);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    fail("fsync", error);
  }
  if (::close(fd) != 0)
    fail("close", errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    fail("rename", errno);
  sync_folder(fs::path(path).parent_path());
}

}  // namespace attnzoo
