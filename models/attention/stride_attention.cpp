#include "models/attention/stride_attention.h"

#include <algorithm>

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

}  // namespace attnzoo
