#pragma once
// Attention along the edges of a graph, computed over the edge list: a softmax over each node's
// incoming edges and a weighted sum of their sources' values, with scatter (index_add) and gather
// (index_select) operations. Memory and time grow with the number of edges, never with nodes^2.

#include <torch/types.h>

namespace attnzoo {

/// Edge e of `edges` [2, E] (int64) goes from node edges[0][e] (the source, a key) to node
/// edges[1][e] (the target, a query): the target attends to the source.

/// Softmax of `scores` [E, H] over the edges that share a target: weights [E, H] that sum to one
/// over each node's incoming edges. A node with no incoming edge simply has no weights.
torch::Tensor edge_softmax(const torch::Tensor& scores, const torch::Tensor& target,
                           int64_t num_nodes);

/// out[i] = sum over edges e into i of weights[e] * values[source[e]]: weights [E, H], values
/// [N, H, D] -> [N, H, D]; a node with no incoming edge gets zeros. Computed a chunk of edges at a
/// time in both passes, so no [E, H, D] tensor is kept (first derivatives only).
torch::Tensor aggregate_edges(const torch::Tensor& weights, const torch::Tensor& values,
                              const torch::Tensor& source, const torch::Tensor& target);

/// Per-edge dot products q[target[e]] . k[source[e]] for each head: q, k [N, H, D] -> [E, H],
/// chunked like aggregate_edges.
torch::Tensor edge_dot_scores(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& source, const torch::Tensor& target);

/// The dense mask of an edge list, for the oracle only: allowed [N, N] bool, allowed[i][j] true
/// when there is an edge j -> i (n^2 memory).
torch::Tensor edges_to_allowed(const torch::Tensor& edges, int64_t num_nodes);

/// Checks an edge list against a node count: [2, E] int64 with every id in 0..N-1. Throws
/// c10::Error naming the problem.
void check_edges(const torch::Tensor& edges, int64_t num_nodes);

}  // namespace attnzoo
