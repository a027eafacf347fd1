#include "models/graph_model.h"

#include <torch/nn/functional/activation.h>

#include "models/attention/edge_softmax.h"
#include "models/registry.h"

namespace attnzoo {

GraphModelImpl::GraphModelImpl(const GraphModelOptions& options_) : options(options_) {
  const auto& attention = options.attention();
  TORCH_CHECK(options.num_classes() > 1, "a classifier needs at least two classes");
  TORCH_CHECK(options.layers() >= 1, "a graph model needs at least one layer");
  TORCH_CHECK(attention.heads > 0 && attention.d_model % attention.heads == 0, "d_model (",
              attention.d_model, ") must be a multiple of heads (", attention.heads, ")");
  TORCH_CHECK(options.output_heads() > 0, "output heads must be positive");
  const double value_dropout =
      options.value_dropout() < 0 ? options.dropout() : options.value_dropout();
  layers = register_module("layers", torch::nn::ModuleList());
  int64_t width = options.feature_dim();
  for (int64_t l = 0; l + 1 < options.layers(); ++l) {
    layers->push_back(make_graph_attention(
        attention,
        GraphAttentionOptions(width, attention.d_model / attention.heads, attention.heads)
            .value_dropout(value_dropout)
            .bias(options.bias())));
    width = attention.d_model;
  }
  layers->push_back(make_graph_attention(
      attention, GraphAttentionOptions(width, options.num_classes(), options.output_heads())
                     .concat(false)
                     .value_dropout(value_dropout)
                     .bias(options.bias())));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

torch::Tensor GraphModelImpl::forward(const torch::Tensor& x, const torch::Tensor& edges) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.feature_dim(), "expected node features [N, ",
              options.feature_dim(), "], got ", x.sizes());
  check_edges(edges, x.size(0));
  auto h = x;
  if (options.row_normalize()) {
    auto sums = h.sum(1, /*keepdim=*/true);
    h = h / torch::where(sums == 0, torch::ones_like(sums), sums);  // empty rows stay zero
  }
  for (size_t l = 0; l < layers->size(); ++l) {
    h = layers[l]->as<GraphAttentionLayerImpl>()->forward(dropout(h), edges);
    if (l + 1 < layers->size())
      h = torch::elu(h);
  }
  return h;
}

}  // namespace attnzoo
