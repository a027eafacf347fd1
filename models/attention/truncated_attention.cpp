#include "models/attention/truncated_attention.h"

#include <algorithm>

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

}  // namespace attnzoo
