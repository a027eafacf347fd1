#include "models/attention/graph_attention_layer.h"

#include "models/attention/attention_kernel.h"

namespace attnzoo {

void GraphAttentionLayerImpl::register_bias() {
  if (!options.bias())
    return;
  const int64_t width = options.concat() ? options.heads() * options.out_dim() : options.out_dim();
  bias = register_parameter("bias", torch::zeros({width}));
}

torch::Tensor GraphAttentionLayerImpl::drop_values(const torch::Tensor& values) {
  return torch::dropout(values, options.value_dropout(), is_training());
}

torch::Tensor GraphAttentionLayerImpl::combine_heads(const torch::Tensor& heads) const {
  auto out = options.concat() ? heads.reshape({heads.size(0), -1}) : heads.mean(1);
  return bias.defined() ? out + bias : out;
}

torch::Tensor GraphAttentionLayerImpl::dense_aggregate(const torch::Tensor& scores,
                                                       const torch::Tensor& allowed,
                                                       const torch::Tensor& values) const {
  auto weights = normalize_scores(scores, allowed.unsqueeze(0), Normalization::kSoftmax);
  return torch::matmul(weights, values.transpose(0, 1)).transpose(0, 1);
}

}  // namespace attnzoo
