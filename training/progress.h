#pragma once
// Progress of long work: a bar redrawn in place on a terminal, or one plain line every N updates
// when the output is a file or a pipe (logs stay readable).

#include <chrono>
#include <cstdint>
#include <string>

namespace attnzoo {

class Progress {
 public:
  /// `total` steps of work called `label`; `every` is the line interval off a terminal.
  Progress(std::string label, int64_t total, int64_t every = 50);
  /// Marks `step` (1-based) done; `status` is shown after the bar (e.g. "loss 0.42").
  void update(int64_t step, const std::string& status);
  /// Ends the bar's line at the last step marked done (a budget may stop the work early); the
  /// rate counts the time up to that step, so work done after it (validation) does not lower it.
  void finish(const std::string& status);

  static bool stderr_is_terminal();

 private:
  std::string label_;
  int64_t total_;
  int64_t every_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  int64_t done_ = 0;
  std::chrono::steady_clock::time_point done_at_;
  void draw(int64_t step, const std::string& status, bool final);
};

/// "1m05s", "2h03m", "12.3s".
std::string format_duration(double seconds);

}  // namespace attnzoo
