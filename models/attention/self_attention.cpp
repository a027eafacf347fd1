#include "models/attention/self_attention.h"

namespace attnzoo {

SelfAttentionImpl::SelfAttentionImpl(const SelfAttentionOptions& options_) : options(options_) {
  reset();
}

void SelfAttentionImpl::reset() {
  TORCH_CHECK(options.d_model() > 0, "d_model must be positive, got ", options.d_model());
  auto linear = [&] {
    return torch::nn::Linear(
        torch::nn::LinearOptions(options.d_model(), options.d_model()).bias(options.bias()));
  };
  query = register_module("query", linear());
  key = register_module("key", linear());
  value = register_module("value", linear());
  score = register_module("score", ScoreFunction(ScoreFunctionOptions(options.d_model())
                                                     .score(options.score())
                                                     .additive_dim(options.additive_dim())));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

AttentionOutput SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                           bool need_weights) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(),
              "SelfAttention expects input [batch, length, ", options.d_model(), "], got ",
              x.sizes());
  // A single head: [B, n, d] -> [B, 1, n, d], so weights come out as [B, 1, n, n] like every layer.
  auto q = query(x).unsqueeze(1);
  auto k = key(x).unsqueeze(1);
  auto v = value(x).unsqueeze(1);
  auto weights =
      normalize_scores(score(q, k), key_padding_to_allowed(mask), options.normalization());
  auto output = torch::matmul(dropout(weights), v).squeeze(1);
  return {output, need_weights ? weights : torch::Tensor()};
}

}  // namespace attnzoo
