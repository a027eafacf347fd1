#include "models/attention/graph_dot_attention.h"

#include <cmath>

#include <torch/nn/init.h>

#include "models/attention/attention_kernel.h"
#include "models/attention/edge_softmax.h"

namespace attnzoo {

GraphDotAttentionImpl::GraphDotAttentionImpl(const GraphAttentionOptions& options_)
    : GraphAttentionLayerImpl(options_) {
  const int64_t width = options.heads() * options.out_dim();
  TORCH_CHECK(options.in_dim() > 0 && width > 0, "graph: dimensions and heads must be positive");
  auto linear = [&](const char* name) {
    auto layer = register_module(
        name, torch::nn::Linear(torch::nn::LinearOptions(options.in_dim(), width).bias(false)));
    torch::nn::init::xavier_uniform_(layer->weight);
    return layer;
  };
  query = linear("query");
  key = linear("key");
  value = linear("value");
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  register_bias();
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> GraphDotAttentionImpl::project(
    const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.in_dim(), "graph: expected x [N, ",
              options.in_dim(), "], got ", x.sizes());
  const std::vector<int64_t> shape = {x.size(0), options.heads(), options.out_dim()};
  return {query(x).view(shape), key(x).view(shape), value(x).view(shape)};
}

torch::Tensor GraphDotAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& edges) {
  auto [q, k, v] = project(x);
  auto source = edges[0], target = edges[1];
  const double scale = 1.0 / std::sqrt(static_cast<double>(options.out_dim()));
  auto scores = edge_dot_scores(q, k, source, target) * scale;
  auto weights = dropout(edge_softmax(scores, target, x.size(0)));
  return combine_heads(aggregate_edges(weights, drop_values(v), source, target));
}

torch::Tensor GraphDotAttentionImpl::forward_dense(const torch::Tensor& x,
                                                   const torch::Tensor& allowed) {
  auto [q, k, v] = project(x);
  auto scores = dot_product_scores(q.transpose(0, 1), k.transpose(0, 1));  // [H, N, N]
  return combine_heads(dense_aggregate(scores, allowed, v));
}

}  // namespace attnzoo
