#include "models/attention/truncated_attention.h"

#include <algorithm>

#include <fmt/core.h>

namespace attnzoo {

TruncatedAttentionImpl::TruncatedAttentionImpl(const TruncatedAttentionOptions& options_)
    : SparseAttentionImpl(multi_head_options(options_)), options(options_) {
  TORCH_CHECK(options.left() >= 0 && options.right() >= 0,
              "truncated attention: left and right must be >= 0, got ", options.left(), ", ",
              options.right());
}

SparsePattern TruncatedAttentionImpl::pattern(int64_t n) const {
  const int64_t left = options.left(), right = options.right();
  auto p = empty_pattern(n, kernel_block_size(options.block_size(), std::max(left, right), n));
  std::tie(p.key_blocks, p.key_valid) = band_block_table(p.query_blocks(), p.block, left, right);
  p.allows = [left, right](const torch::Tensor&, const torch::Tensor& i, const torch::Tensor& j) {
    return (j >= i - left) & (j <= i + right);
  };
  return p;
}

ScriptPattern TruncatedAttentionImpl::script_pattern() const {
  const int64_t left = options.left(), right = options.right();
  return {
      fmt::format(R"JIT(
def pattern(self, n: int) -> Tuple[int, Tensor, Tensor, int, Tensor]:
    block = self.kernel_block_size({block}, {reach}, n)
    table = self.band_block_table((n + block - 1) // block, block, {left}, {right})
    return block, table[0], table[1], 0, self.first_positions(n, 0)

def allows(self, head: Tensor, i: Tensor, j: Tensor) -> Tensor:
    return (j >= i - {left}) & (j <= i + {right})
)JIT",
                  fmt::arg("block", options.block_size()), fmt::arg("reach", std::max(left, right)),
                  fmt::arg("left", left), fmt::arg("right", right)),
      {}};
}

}  // namespace attnzoo
