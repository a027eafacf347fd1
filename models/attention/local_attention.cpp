#include "models/attention/local_attention.h"

#include <fmt/core.h>

namespace attnzoo {

LocalAttentionImpl::LocalAttentionImpl(const LocalAttentionOptions& options_)
    : SparseAttentionImpl(multi_head_options(options_)), options(options_) {
  TORCH_CHECK(options.window() >= 0, "local attention: window must be >= 0, got ",
              options.window());
}

SparsePattern LocalAttentionImpl::pattern(int64_t n) const {
  const int64_t w = options.window();
  // With blocks of about w / 2, query block q needs key blocks q-2 .. q+2 (5 blocks, 2.5 w keys;
  // blocks of w would score 3 w): the band's table. The kernel scores a band on shifted views of
  // the keys, so smaller blocks cost no gathered copies, only less wasted scores. The element
  // predicate trims the first and last blocks to the exact window.
  auto p = empty_pattern(n, kernel_block_size(options.block_size(), w / 2, n));
  std::tie(p.key_blocks, p.key_valid) = band_block_table(p.query_blocks(), p.block, w, w);
  p.allows = [w](const torch::Tensor&, const torch::Tensor& i, const torch::Tensor& j) {
    return (i - j).abs() <= w;
  };
  return p;
}

ScriptPattern LocalAttentionImpl::script_pattern() const {
  return {fmt::format(R"JIT(
def pattern(self, n: int) -> Tuple[int, Tensor, Tensor, int, Tensor]:
    block = self.kernel_block_size({block}, {w} // 2, n)
    table = self.band_block_table((n + block - 1) // block, block, {w}, {w})
    return block, table[0], table[1], 0, self.first_positions(n, 0)

def allows(self, head: Tensor, i: Tensor, j: Tensor) -> Tensor:
    return (i - j).abs() <= {w}
)JIT",
                      fmt::arg("block", options.block_size()), fmt::arg("w", options.window())),
          {}};
}

}  // namespace attnzoo
