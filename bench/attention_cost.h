#pragma once
// What one attention layer's pass costs in useful arithmetic, and roughly how much memory it
// needs: the figures `attnzoo bench` reports beside its measured times and peaks.
//
// Useful FLOPs of one forward pass of a multi-head layer (batch B, length n, h heads of size D,
// d_model = h * D), counting a multiply-add as 2 FLOPs:
//   projections   4 * 2 * B * n * d_model^2   (W^q, W^k, W^v and W^o on every token)
//   attention     4 * B * D * P               (q . k and alpha * v: 2 * D each per allowed pair)
// where P is the number of allowed (query, key) pairs summed over heads: h * n^2 for dense
// attention, and for a sparse variant exactly the pairs its pattern allows (a pair a kernel
// computes and then masks out earns nothing). Softmax, scaling, masking and biases are not
// counted; neither are Longformer's extra projections of the global tokens. A forward+backward
// pass counts 3 times the forward FLOPs (the backward pass computes two products for each one
// of the forward pass).

#include <cstdint>

#include "models/attention/sparse_pattern.h"

namespace attnzoo {

struct AttentionShape {
  int64_t batch = 1;
  int64_t length = 0;
  int64_t heads = 1;
  int64_t head_dim = 1;
  int64_t d_model() const { return heads * head_dim; }
};

/// The (query, key) pairs `pattern` allows, summed over `heads` heads (for a pattern with one
/// table head, every head has its pairs). Counted from the block table, the strided part and the
/// global positions, without building the n x n mask: equal to
/// `pattern.dense_mask().sum() * (heads / table_heads)`.
int64_t allowed_pairs(const SparsePattern& pattern, int64_t heads);

/// The pairs of dense attention: heads * n^2.
inline int64_t dense_pairs(int64_t heads, int64_t length) {
  return heads * length * length;
}

/// Linear attention forms no pairs: its products phi(K)^T V and phi(Q) S cost 4 * D FLOPs per
/// query and head element, counted as the `head_dim` pairs per query that cost the same; causal
/// attention adds the pairs j <= i inside each query's chunk (chunk + 1) / 2 on average).
int64_t linear_equivalent_pairs(int64_t heads, int64_t length, int64_t head_dim, bool causal,
                                int64_t chunk);

/// Useful FLOPs (see above) of a forward pass, or of forward+backward when `backward`.
double attention_flops(const AttentionShape& shape, int64_t pairs, bool backward);

/// Elements a layer holds per head and query for its attention: n scores for dense attention;
/// for a sparse pattern the keys it scores (listed blocks, strided keys, globals) plus the key and
/// value rows it gathers for them.
int64_t dense_row_elements(int64_t length);
int64_t sparse_row_elements(const SparsePattern& pattern, int64_t head_dim);
/// Linear attention: the state's D^2 per chunk (causal) or per sequence, and a chunk of scores.
int64_t linear_row_elements(int64_t length, int64_t head_dim, bool causal, int64_t chunk);

/// A deliberately generous estimate of the peak bytes one pass needs (float32): several copies of
/// the [B, h, n, row_elements] attention tensors (scores, weights, and for backward their
/// gradients) plus the [B, n, d_model] activations. Used to skip cases that cannot fit, never
/// reported as a measurement.
int64_t estimate_peak_bytes(const AttentionShape& shape, int64_t row_elements, bool backward);

}  // namespace attnzoo
