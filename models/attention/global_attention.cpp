#include "models/attention/global_attention.h"

#include <fmt/core.h>

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

ScriptPattern GlobalAttentionImpl::script_pattern() const {
  return {fmt::format(R"JIT(
def pattern(self, n: int) -> Tuple[int, Tensor, Tensor, int, Tensor]:
    table = self.empty_table(n)
    return 1, table[0], table[1], 0, self.first_positions(n, {globals})

def allows(self, head: Tensor, i: Tensor, j: Tensor) -> Tensor:
    return torch.ones_like(head + i + j, dtype=torch.bool)
)JIT",
                      fmt::arg("globals", options.globals())),
          {}};
}

}  // namespace attnzoo
