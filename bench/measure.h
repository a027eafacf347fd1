#pragma once
// Measuring a piece of work on the CPU: the wall time of repeated runs, and the resident memory
// (RSS) of this process as Linux reports it, so that a peak can be measured rather than computed.

#include <cstdint>
#include <functional>
#include <vector>

namespace attnzoo {

/// Runs `work` `warmup` times untimed, then `repeats` times timed; returns each timed run's wall
/// time in milliseconds.
std::vector<double> time_runs_ms(const std::function<void()>& work, int64_t warmup,
                                 int64_t repeats);

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
double median(std::vector<double> values);

/// VmRSS of this process from /proc/self/status, in bytes; -1 when it cannot be read.
int64_t resident_bytes();

/// VmHWM of this process (the high-water mark of its RSS), in bytes; -1 when it cannot be read.
int64_t peak_resident_bytes();

/// Resets VmHWM to the current RSS (`echo 5 > /proc/self/clear_refs`, Linux 4.0 and later).
/// Returns false when the kernel refuses or ignores it; the high-water mark then still holds
/// earlier peaks.
bool reset_peak_resident();

/// Returns memory that the allocator holds but no longer uses to the system (glibc's
/// malloc_trim), so that the RSS measured next is the memory that is in use.
void release_free_memory();

/// MemAvailable from /proc/meminfo (what can be allocated without swapping), in bytes; -1 when
/// it cannot be read.
int64_t available_memory_bytes();

}  // namespace attnzoo
