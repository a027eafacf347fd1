#pragma once
// Node features and edges -> class logits per node (full-batch node classification): layers of a
// registered graph attention (`gat`, `graph`), heads concatenated with ELU between hidden layers
// and averaged in the output layer, dropout on each layer's input, as in GAT.

#include <vector>

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/pimpl.h>

#include "models/attention_config.h"
#include "models/task_model.h"

namespace attnzoo {

struct GraphModelOptions {
  GraphModelOptions(int64_t feature_dim, int64_t num_classes, AttentionConfig attention)
      : feature_dim_(feature_dim), num_classes_(num_classes), attention_(std::move(attention)) {}
  TORCH_ARG(int64_t, feature_dim);
  TORCH_ARG(int64_t, num_classes);
  /// The variant (a graph one), its hidden heads (`heads`), their concatenated width (`d_model`,
  /// so d_model / heads features per head), attention dropout and LeakyReLU slope.
  TORCH_ARG(AttentionConfig, attention);
  /// Attention layers, the output layer included.
  TORCH_ARG(int64_t, layers) = 2;
  /// Heads of the output layer, averaged.
  TORCH_ARG(int64_t, output_heads) = 1;
  /// Dropout on each layer's input (and on its projected values, unless value_dropout is set).
  TORCH_ARG(double, dropout) = 0.6;
  /// Dropout on each layer's projected values: the GAT reference implementation applies its
  /// input dropout there too, pyGAT none; negative: the same as dropout.
  TORCH_ARG(double, value_dropout) = -1.0;
  /// A learned bias on each layer's output, as the GAT reference implementation has; pyGAT has
  /// none. On a split with skewed training classes the choice matters (see README, Cora).
  TORCH_ARG(bool, bias) = true;
  /// Divide each node's features by their sum (bag-of-words features, as GAT does for Cora).
  TORCH_ARG(bool, row_normalize) = false;
};

class GraphModelImpl : public TaskModelImpl {
 public:
  explicit GraphModelImpl(const GraphModelOptions& options);

  /// x [N, F], edges [2, E] int64 (edge e: node edges[1][e] attends to node edges[0][e]) ->
  /// logits [N, num_classes].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& edges);
  torch::Tensor forward(const Batch& batch) override { return forward(batch.inputs, batch.edges); }

  GraphModelOptions options;
  torch::nn::ModuleList layers{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(GraphModel);

}  // namespace attnzoo
