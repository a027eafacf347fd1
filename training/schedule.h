#pragma once

#include <cstdint>

namespace attnzoo {

/// Learning rate at `step` (0-based) of `total`: linear warm-up from 0 to `peak` over `warmup`
/// steps, then cosine decay to 0 at `total`.
double warmup_cosine_lr(double peak, int64_t step, int64_t warmup, int64_t total);

/// Linear warm-up from 0 to `peak` over `warmup` steps, then `peak`.
double warmup_constant_lr(double peak, int64_t step, int64_t warmup);

}  // namespace attnzoo
