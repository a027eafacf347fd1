#include "models/attention/gat_attention.h"

#include <cmath>

#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>

#include "models/attention/edge_softmax.h"

namespace attnzoo {

GatAttentionImpl::GatAttentionImpl(const GraphAttentionOptions& options_)
    : GraphAttentionLayerImpl(options_) {
  const int64_t heads = options.heads(), dim = options.out_dim();
  TORCH_CHECK(options.in_dim() > 0 && dim > 0 && heads > 0,
              "gat: dimensions and heads must be positive");
  project = register_module(
      "project",
      torch::nn::Linear(torch::nn::LinearOptions(options.in_dim(), heads * dim).bias(false)));
  torch::nn::init::xavier_uniform_(project->weight);
  a_target = register_parameter("a_target", torch::empty({heads, dim}));
  a_source = register_parameter("a_source", torch::empty({heads, dim}));
  // Glorot bounds of a as one [2 * dim] -> 1 map per head, as in the reference implementation.
  const double bound = std::sqrt(6.0 / (2.0 * static_cast<double>(dim) + 1.0));
  torch::nn::init::uniform_(a_target, -bound, bound);
  torch::nn::init::uniform_(a_source, -bound, bound);
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  register_bias();
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> GatAttentionImpl::prepare(
    const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.in_dim(), "gat: expected x [N, ",
              options.in_dim(), "], got ", x.sizes());
  auto h = project(x).view({x.size(0), options.heads(), options.out_dim()});
  return {h, (h * a_target).sum(-1), (h * a_source).sum(-1)};
}

torch::Tensor GatAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& edges) {
  auto [h, target_half, source_half] = prepare(x);
  auto source = edges[0], target = edges[1];
  auto scores = torch::nn::functional::leaky_relu(
      target_half.index_select(0, target) + source_half.index_select(0, source),
      torch::nn::functional::LeakyReLUFuncOptions().negative_slope(options.negative_slope()));
  auto weights = dropout(edge_softmax(scores, target, x.size(0)));
  return combine_heads(aggregate_edges(weights, drop_values(h), source, target));
}

torch::Tensor GatAttentionImpl::forward_dense(const torch::Tensor& x,
                                              const torch::Tensor& allowed) {
  auto [h, target_half, source_half] = prepare(x);
  // scores[head, i, j] = LeakyReLU(a_target . Wh_i + a_source . Wh_j)
  auto scores = torch::nn::functional::leaky_relu(
      target_half.t().unsqueeze(2) + source_half.t().unsqueeze(1),
      torch::nn::functional::LeakyReLUFuncOptions().negative_slope(options.negative_slope()));
  return combine_heads(dense_aggregate(scores, allowed, h));
}

}  // namespace attnzoo
