#include "training/run_directory.h"

#include <fcntl.h>
#include <stdio.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace attnzoo {

namespace fs = std::filesystem;

std::string fresh_run_directory(const std::string& dir) {
  std::error_code error;
  if (!fs::exists(dir, error) || (fs::is_directory(dir, error) && fs::is_empty(dir, error)))
    return dir;
  if (!fs::is_directory(dir, error))
    throw std::runtime_error("--out " + dir + ": exists and is not a directory");
  auto path = fs::path(dir);
  if (!path.has_filename())  // "runs/x/"
    path = path.parent_path();
  const auto staging = path.string() + ".staging";
  fs::remove_all(staging);  // what an earlier run that failed before its first epoch left
  fs::create_directories(staging);
  return staging;
}

void publish_run_directory(const std::string& staging, const std::string& dir) {
  auto fail = [&](int error) {
    throw std::runtime_error("cannot move the new run from " + staging + " to " + dir + " (" +
                             std::strerror(error) + ")");
  };
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  // Both names always exist: a kill between the steps leaves one run or the other in `dir`.
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(staging);  // now the earlier run
    return;
  }
  if (errno != ENOSYS && errno != EINVAL && errno != ENOENT)
    fail(errno);
#endif
  const auto old = fs::path(staging).string() + ".old";
  std::error_code error;
  fs::remove_all(old, error);
  if (fs::exists(dir) && ::rename(dir.c_str(), old.c_str()) != 0)
    fail(errno);
  if (::rename(staging.c_str(), dir.c_str()) != 0)
    fail(errno);
  fs::remove_all(old, error);
}

}  // namespace attnzoo
