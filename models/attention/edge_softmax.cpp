#include "models/attention/edge_softmax.h"

#include <algorithm>
#include <limits>

#include <torch/autograd.h>

#include "core/compat.h"

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

namespace {

// Edges are processed this many at a time, so that the [edges, heads, dim] products exist for
// one chunk only: memory stays O(E x heads + N x heads x dim) instead of O(E x heads x dim).
constexpr int64_t kEdgeChunk = 1 << 16;

template <typename Body>
void for_edge_chunks(int64_t edges, Body body) {
  for (int64_t start = 0; start < edges; start += kEdgeChunk)
    body(start, std::min(kEdgeChunk, edges - start));
}

// out[i] = sum over edges e into i of weights[e] * values[source[e]]. The backward pass
// recomputes the gathered values chunk by chunk instead of keeping them.
class AggregateEdges : public torch::autograd::Function<AggregateEdges> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& weights,
                               const torch::Tensor& values, const torch::Tensor& source,
                               const torch::Tensor& target) {
    ctx->save_for_backward({weights, values, source, target});
    auto out = torch::zeros_like(values);
    for_edge_chunks(weights.size(0), [&](int64_t start, int64_t count) {
      auto w = weights.narrow(0, start, count).unsqueeze(-1);
      out.index_add_(0, target.narrow(0, start, count),
                     w * values.index_select(0, source.narrow(0, start, count)));
    });
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &weights = saved[0], &values = saved[1], &source = saved[2], &target = saved[3];
    const auto grad_out = grads[0].contiguous();
    auto grad_weights = torch::empty_like(weights);
    auto grad_values = torch::zeros_like(values);
    for_edge_chunks(weights.size(0), [&](int64_t start, int64_t count) {
      auto s = source.narrow(0, start, count), t = target.narrow(0, start, count);
      auto g = grad_out.index_select(0, t);  // [count, H, D]
      grad_weights.narrow(0, start, count).copy_((g * values.index_select(0, s)).sum(-1));
      grad_values.index_add_(0, s, g * weights.narrow(0, start, count).unsqueeze(-1));
    });
    return {grad_weights, grad_values, torch::Tensor(), torch::Tensor()};
  }
};

// scores[e] = q[target[e]] . k[source[e]] per head, chunk by chunk in both directions.
class EdgeDotScores : public torch::autograd::Function<EdgeDotScores> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, const torch::Tensor& source,
                               const torch::Tensor& target) {
    ctx->save_for_backward({q, k, source, target});
    auto scores = torch::empty({source.size(0), q.size(1)}, q.options());
    for_edge_chunks(source.size(0), [&](int64_t start, int64_t count) {
      scores.narrow(0, start, count)
          .copy_((q.index_select(0, target.narrow(0, start, count)) *
                  k.index_select(0, source.narrow(0, start, count)))
                     .sum(-1));
    });
    return scores;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &source = saved[2], &target = saved[3];
    const auto& grad_scores = grads[0];
    auto grad_q = torch::zeros_like(q), grad_k = torch::zeros_like(k);
    for_edge_chunks(source.size(0), [&](int64_t start, int64_t count) {
      auto s = source.narrow(0, start, count), t = target.narrow(0, start, count);
      auto g = grad_scores.narrow(0, start, count).unsqueeze(-1);  // [count, H, 1]
      grad_q.index_add_(0, t, g * k.index_select(0, s));
      grad_k.index_add_(0, s, g * q.index_select(0, t));
    });
    return {grad_q, grad_k, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor aggregate_edges(const torch::Tensor& weights, const torch::Tensor& values,
                              const torch::Tensor& source, const torch::Tensor& target) {
  TORCH_CHECK(values.dim() == 3 && weights.dim() == 2 && weights.size(1) == values.size(1),
              "aggregate_edges: expected weights [E, H] and values [N, H, D], got ",
              weights.sizes(), " and ", values.sizes());
  return AggregateEdges::apply(weights, values, source, target);
}

torch::Tensor edge_dot_scores(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& source, const torch::Tensor& target) {
  TORCH_CHECK(q.dim() == 3 && q.sizes() == k.sizes(),
              "edge_dot_scores: expected q and k [N, H, D], got ", q.sizes(), " and ", k.sizes());
  return EdgeDotScores::apply(q, k, source, target);
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
