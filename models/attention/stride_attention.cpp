#include "models/attention/stride_attention.h"

#include <algorithm>

#include <fmt/core.h>

namespace attnzoo {

StrideAttentionImpl::StrideAttentionImpl(const StrideAttentionOptions& options_)
    : SparseAttentionImpl(multi_head_options(options_)), options(options_) {
  TORCH_CHECK(options.stride() > 0, "stride attention: stride must be > 0, got ", options.stride());
  TORCH_CHECK(options.window() >= -1, "stride attention: window must be >= 0, or -1 for none, got ",
              options.window());
}

SparsePattern StrideAttentionImpl::pattern(int64_t n) const {
  const int64_t w = options.window();
  auto p = empty_pattern(n, kernel_block_size(options.block_size(), std::max<int64_t>(w, 0), n));
  p.stride = options.stride();
  if (w >= 0) {
    std::tie(p.key_blocks, p.key_valid) = band_block_table(p.query_blocks(), p.block, w, w);
    p.allows = [w](const torch::Tensor&, const torch::Tensor& i, const torch::Tensor& j) {
      return (i - j).abs() <= w;
    };
  }
  return p;
}

ScriptPattern StrideAttentionImpl::script_pattern() const {
  const int64_t w = options.window();
  // Without a window (w = -1) the table is empty and every pair of it is allowed.
  const auto table = w >= 0 ? fmt::format("self.band_block_table(nq, block, {0}, {0})", w)
                            : std::string("self.empty_table(nq)");
  const auto allows = w >= 0 ? fmt::format("(i - j).abs() <= {}", w)
                             : std::string("torch.ones_like(head + i + j, dtype=torch.bool)");
  return {fmt::format(R"JIT(
def pattern(self, n: int) -> Tuple[int, Tensor, Tensor, int, Tensor]:
    block = self.kernel_block_size({block}, {reach}, n)
    nq = (n + block - 1) // block
    table = {table}
    return block, table[0], table[1], {stride}, self.first_positions(n, 0)

def allows(self, head: Tensor, i: Tensor, j: Tensor) -> Tensor:
    return {allows}
)JIT",
                      fmt::arg("block", options.block_size()),
                      fmt::arg("reach", std::max<int64_t>(w, 0)), fmt::arg("table", table),
                      fmt::arg("stride", options.stride()), fmt::arg("allows", allows)),
          {}};
}

}  // namespace attnzoo
