#include "models/attention/multi_head_attention.h"

namespace attnzoo {

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

MultiHeadAttentionImpl::MultiHeadAttentionImpl(const MultiHeadAttentionOptions& options_)
    : options(options_) {
  reset();
}

void MultiHeadAttentionImpl::reset() {
  TORCH_CHECK(options.heads() > 0 && options.d_model() % options.heads() == 0, "heads (",
              options.heads(), ") must be positive and divide d_model (", options.d_model(), ")");
  auto linear = [&] {
    return torch::nn::Linear(
        torch::nn::LinearOptions(options.d_model(), options.d_model()).bias(options.bias()));
  };
  query = register_module("query", linear());
  key = register_module("key", linear());
  value = register_module("value", linear());
  output = register_module("output", linear());
  score = register_module("score", ScoreFunction(ScoreFunctionOptions(head_dim())
                                                     .score(options.score())
                                                     .additive_dim(options.additive_dim())));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

AttentionOutput MultiHeadAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                                bool need_weights) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(),
              "MultiHeadAttention expects input [batch, length, ", options.d_model(), "], got ",
              x.sizes());
  // Heads as contiguous [B, h, n, d] tensors, and both products on their [B h, n, d] views: 3-D
  // batched GEMMs, where 4-D matmul would copy the transposed keys into a batch on every call,
  // forward and backward.
  auto q = split_heads(query(x), options.heads()).contiguous();
  auto k = split_heads(key(x), options.heads()).contiguous();
  auto v = split_heads(value(x), options.heads()).contiguous();
  const int64_t b = x.size(0), h = options.heads(), n = x.size(1);
  auto flat = [&](const torch::Tensor& t) { return t.reshape({b * h, n, t.size(-1)}); };
  auto weights = normalize_scores(score(flat(q), flat(k)).view({b, h, n, n}),
                                  key_padding_to_allowed(mask), options.normalization());
  // Dropout of 0 would still copy the n^2 weights in training mode.
  auto used = options.dropout() > 0 ? dropout(weights) : weights;
  auto heads = torch::bmm(flat(used), flat(v)).view({b, h, n, head_dim()});
  return {output(merge_heads(heads)), need_weights ? weights : torch::Tensor()};
}

}  // namespace attnzoo
