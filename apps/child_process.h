#pragma once
// Runs a program as a child process with its output in files: `attnzoo bench` runs each case in
// one (so that its peak memory is its own) and `attnzoo compare` each training run (its log).

#include <cstdio>
#include <string>
#include <vector>

namespace attnzoo::cli {

/// This executable, for a child that runs another sub-command.
inline constexpr const char* kThisExecutable = "/proc/self/exe";

/// How a child process ended.
struct ChildExit {
  bool started = false;  ///< false: it could not be started (`error` says why)
  int status = -1;       ///< the exit status when it exited, -1 when killed
  int signal = 0;        ///< the signal that killed it, 0 when it exited
  std::string error;

  bool ok() const { return started && signal == 0 && status == 0; }
  /// "exited with status 3", "killed by signal 9 (Killed), probably for lack of memory", ...
  std::string describe() const;
};

/// Runs `program` with `args` (args[0] included) and waits for it, its stdout going to `out` and
/// its stderr to `err` (the same file for one log).
ChildExit run_child_process(const std::vector<std::string>& args, std::FILE* out, std::FILE* err,
                            const char* program = kThisExecutable);

/// The whole of `file`, read from its start.
std::string read_file_from_start(std::FILE* file);

/// The last line of `text` that is not blank: a failed child's reason.
std::string last_line(const std::string& text);

}  // namespace attnzoo::cli
