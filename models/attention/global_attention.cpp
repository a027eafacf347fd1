#include "models/attention/global_attention.h"

namespace attnzoo {

torch::Tensor first_positions(int64_t n, int64_t count) {
  return torch::arange(n, torch::kLong) < count;
}

GlobalAttentionImpl::GlobalAttentionImpl(const GlobalAttentionOptions& options_)
    : SparseAttentionImpl(multi_head_options(options_)), options(options_) {
  TORCH_CHECK(options.globals() >= 0, "global attention: globals must be >= 0, got ",
              options.globals());
}

SparsePattern GlobalAttentionImpl::pattern(int64_t n) const {
  // No block part at all: only the kernel's global part (global keys, global query rows).
  auto p = empty_pattern(n, /*block=*/1);
  p.globals = first_positions(n, options.globals());
  return p;
}

}  // namespace attnzoo
