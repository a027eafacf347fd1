#include "models/attention/edge_softmax.h"

#include <limits>

#include "models/compat.h"

namespace attnzoo {

torch::Tensor edge_softmax(const torch::Tensor& scores, const torch::Tensor& target,
                           int64_t num_nodes) {
  TORCH_CHECK(scores.dim() == 2 && target.dim() == 1 && scores.size(0) == target.size(0),
              "edge_softmax: expected scores [E, H] and target [E], got ", scores.sizes(), " and ",
              target.sizes());
  const int64_t heads = scores.size(1);
  auto index = target.unsqueeze(1).expand({target.size(0), heads});
  // Each target's largest score, subtracted for stability; a constant per softmax group, so it is
  // taken out of the graph (the gradient does not depend on it).
  auto max = compat::scatter_amax(
      torch::full({num_nodes, heads}, -std::numeric_limits<double>::infinity(), scores.options()),
      index, scores.detach());
  auto exp = (scores - max.index_select(0, target)).exp();
  auto sum = torch::zeros({num_nodes, heads}, scores.options()).index_add(0, target, exp);
  return exp / sum.index_select(0, target);
}

torch::Tensor aggregate_edges(const torch::Tensor& weights, const torch::Tensor& values,
                              const torch::Tensor& source, const torch::Tensor& target) {
  TORCH_CHECK(values.dim() == 3 && weights.dim() == 2 && weights.size(1) == values.size(1),
              "aggregate_edges: expected weights [E, H] and values [N, H, D], got ",
              weights.sizes(), " and ", values.sizes());
  auto messages = weights.unsqueeze(-1) * values.index_select(0, source);
  return torch::zeros_like(values).index_add(0, target, messages);
}

torch::Tensor edges_to_allowed(const torch::Tensor& edges, int64_t num_nodes) {
  auto allowed = torch::zeros({num_nodes, num_nodes}, edges.options().dtype(torch::kBool));
  allowed.index_put_({edges[1], edges[0]}, true);
  return allowed;
}

void check_edges(const torch::Tensor& edges, int64_t num_nodes) {
  TORCH_CHECK(edges.dim() == 2 && edges.size(0) == 2 && edges.scalar_type() == torch::kLong,
              "expected edges as int64 [2, E], got ", edges.scalar_type(), " ", edges.sizes());
  if (edges.numel() == 0)
    return;
  const auto low = edges.min().item<int64_t>(), high = edges.max().item<int64_t>();
  TORCH_CHECK(low >= 0 && high < num_nodes, "an edge names node ", low < 0 ? low : high,
              ", but the graph has nodes 0..", num_nodes - 1);
}

}  // namespace attnzoo
