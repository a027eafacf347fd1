#include "bench/measure.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace attnzoo {

namespace {

// The value of a "Key:   1234 kB" line of a /proc file, in bytes; -1 when absent.
int64_t proc_kilobytes(const char* path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() ||
        line[key.size()] != ':') {
      continue;
    }
    std::istringstream fields(line.substr(key.size() + 1));
    int64_t kilobytes = -1;
    if (fields >> kilobytes)
      return kilobytes * 1024;
  }
  return -1;
}

}  // namespace

std::vector<double> time_runs_ms(const std::function<void()>& work, int64_t warmup,
                                 int64_t repeats) {
  for (int64_t i = 0; i < warmup; ++i)
    work();
  std::vector<double> times;
  times.reserve(static_cast<size_t>(std::max<int64_t>(repeats, 0)));
  for (int64_t i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const auto stop = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  return times;
}

double median(std::vector<double> values) {
  if (values.empty())
    return std::numeric_limits<double>::quiet_NaN();
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle),
                   values.end());
  if (values.size() % 2 == 1)
    return values[middle];
  const double upper = values[middle];
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle));
  return (lower + upper) / 2;
}

int64_t resident_bytes() {
  return proc_kilobytes("/proc/self/status", "VmRSS");
}

int64_t peak_resident_bytes() {
  return proc_kilobytes("/proc/self/status", "VmHWM");
}

bool reset_peak_resident() {
  {
    std::ofstream clear("/proc/self/clear_refs");
    if (!clear)
      return false;
    clear << "5";
    clear.flush();
    if (!clear)
      return false;
  }
  // A kernel that accepts the write but does not reset leaves the mark above the current RSS;
  // allow a little for what was allocated between the two reads.
  constexpr int64_t kSlack = 4 << 20;
  const int64_t peak = peak_resident_bytes(), now = resident_bytes();
  return peak >= 0 && now >= 0 && peak <= now + kSlack;
}

void release_free_memory() {
  malloc_trim(0);
}

int64_t available_memory_bytes() {
  return proc_kilobytes("/proc/meminfo", "MemAvailable");
}

}  // namespace attnzoo
