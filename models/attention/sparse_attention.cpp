#include "models/attention/sparse_attention.h"

#include <algorithm>
#include <stdexcept>

#include "models/registry.h"

namespace attnzoo {

std::array<torch::Tensor, 3> SparseAttentionImpl::global_projections(const torch::Tensor&) {
  return {};
}

SparseAttentionInputs SparseAttentionImpl::inputs(const torch::Tensor& x, const torch::Tensor& mask,
                                                  const torch::Tensor& global_mask,
                                                  bool need_weights) {
  const auto& mha = MultiHeadAttentionImpl::options;
  TORCH_CHECK(x.dim() == 3 && x.size(2) == mha.d_model(), name(), " expects input [batch, length, ",
              mha.d_model(), "], got ", x.sizes());
  SparseAttentionInputs in;
  in.q = split_heads(query(x), mha.heads());
  in.k = split_heads(key(x), mha.heads());
  in.v = split_heads(value(x), mha.heads());
  auto global = global_projections(x);
  if (global[0].defined()) {
    in.global_q = split_heads(global[0], mha.heads());
    in.global_k = split_heads(global[1], mha.heads());
    in.global_v = split_heads(global[2], mha.heads());
  }
  in.key_mask = mask;
  in.global_mask = global_mask;
  if (mha.score() != Score::kDot) {  // the kernel does the scaled dot product itself
    in.score = [this](const torch::Tensor& q, const torch::Tensor& k) { return score(q, k); };
  }
  if (mha.dropout() > 0)
    in.dropout = [this](const torch::Tensor& w) { return dropout(w); };
  in.normalization = mha.normalization();
  in.need_weights = need_weights;
  return in;
}

AttentionOutput SparseAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                             bool need_weights) {
  return forward_with_globals(x, mask, {}, need_weights);
}

AttentionOutput SparseAttentionImpl::forward_with_globals(const torch::Tensor& x,
                                                          const torch::Tensor& mask,
                                                          const torch::Tensor& global_mask,
                                                          bool need_weights) {
  auto in = inputs(x, mask, global_mask, need_weights);
  auto [heads, weights] = block_sparse_attention(pattern(x.size(1)), in);
  return {output(merge_heads(heads)), weights};
}

AttentionOutput SparseAttentionImpl::dense_forward(const torch::Tensor& x,
                                                   const torch::Tensor& mask,
                                                   const torch::Tensor& global_mask,
                                                   bool need_weights) {
  auto in = inputs(x, mask, global_mask, need_weights);
  auto [heads, weights] = dense_pattern_attention(pattern(x.size(1)), in);
  return {output(merge_heads(heads)), weights};
}

int64_t kernel_block_size(int64_t requested, int64_t reach, int64_t n) {
  if (requested > 0)
    return requested;
  return std::min(auto_block_size(reach), std::max<int64_t>(n, 1));
}

torch::Tensor attention_pattern(const AttentionConfig& config, int64_t n) {
  auto layer = std::dynamic_pointer_cast<SparseAttentionImpl>(make_attention(config));
  if (!layer) {
    throw std::invalid_argument("attention '" + config.name +
                                "' is dense: it has no sparse pattern (every pair is allowed)");
  }
  return layer->dense_mask(n);
}

}  // namespace attnzoo
