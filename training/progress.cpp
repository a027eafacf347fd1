#include "training/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

namespace attnzoo {

std::string format_duration(double seconds) {
  if (seconds < 60)
    return fmt::format("{:.1f}s", seconds);
  auto s = static_cast<int64_t>(seconds);
  if (s < 3600)
    return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
}

bool Progress::stderr_is_terminal() {
  return isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, int64_t total, int64_t every)
    : label_(std::move(label)),
      total_(total),
      every_(every > 0 ? every : 1),
      terminal_(stderr_is_terminal()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_),
      done_at_(start_) {}

void Progress::update(int64_t step, const std::string& status) {
  const auto now = std::chrono::steady_clock::now();
  done_ = step;
  done_at_ = now;
  if (terminal_) {
    // Redrawing more than ~10 times a second only costs time.
    if (step < total_ && now - last_draw_ < std::chrono::milliseconds(100))
      return;
    last_draw_ = now;
    draw(step, status, false);
  } else if (step % every_ == 0 && step < total_) {  // finish() prints the last line
    draw(step, status, false);
  }
}

void Progress::finish(const std::string& status) {
  draw(done_, status, true);
}

void Progress::draw(int64_t step, const std::string& status, bool final) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double working = std::chrono::duration<double>((final ? done_at_ : now) - start_).count();
  const double rate = working > 0 ? step / working : 0.0;
  const double eta = rate > 0 ? (total_ - step) / rate : 0.0;
  const double fraction = total_ > 0 ? static_cast<double>(step) / total_ : 1.0;
  if (terminal_) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    fmt::print(stderr, "\r\033[K{} [{}] {:>3.0f}% {}/{} {:.1f} it/s {} {}{}", label_, bar,
               100 * fraction, step, total_, rate,
               final ? "in " + format_duration(elapsed) : "eta " + format_duration(eta), status,
               final ? "\n" : "");
  } else {
    fmt::print(stderr, "{} {}/{} ({:.0f}%) {:.1f} it/s {} {}\n", label_, step, total_,
               100 * fraction, rate,
               final ? "in " + format_duration(elapsed) : "eta " + format_duration(eta), status);
  }
  std::fflush(stderr);
}

}  // namespace attnzoo
