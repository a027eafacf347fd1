#include "training/schedule.h"

#include <algorithm>
#include <cmath>

namespace attnzoo {

double warmup_cosine_lr(double peak, int64_t step, int64_t warmup, int64_t total) {
  if (warmup > 0 && step < warmup)
    return peak * static_cast<double>(step + 1) / warmup;
  const int64_t decay = std::max<int64_t>(1, total - warmup);
  const double progress = std::clamp(static_cast<double>(step - warmup) / decay, 0.0, 1.0);
  return peak * 0.5 * (1.0 + std::cos(M_PI * progress));
}

double warmup_constant_lr(double peak, int64_t step, int64_t warmup) {
  if (warmup > 0 && step < warmup)
    return peak * static_cast<double>(step + 1) / warmup;
  return peak;
}

}  // namespace attnzoo
