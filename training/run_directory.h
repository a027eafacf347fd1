#pragma once
// A fresh run into a directory that already holds a run is written beside it and swapped in once
// it has trained an epoch: a run that fails early (bad data, a NaN, a kill) leaves the earlier run
// as it was, resumable.

#include <string>

namespace attnzoo {

/// Where a fresh run into `dir` writes until its first epoch is saved: `dir` itself when it is
/// missing or empty, else `DIR.staging` beside it (emptied first).
std::string fresh_run_directory(const std::string& dir);

/// Puts `staging` in place of `dir` (one atomic exchange on Linux) and removes the earlier run.
void publish_run_directory(const std::string& staging, const std::string& dir);

}  // namespace attnzoo
