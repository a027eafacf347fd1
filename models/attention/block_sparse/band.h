#pragma once
// The band: a single-head block table whose row q lists key blocks q + shift .. q + shift +
// width - 1 (local attention's, truncated attention's). Its products run on shifted views of the
// padded keys and values, one batched product per block offset, never on gathered copies.

#include <cstdint>

#include <torch/types.h>

#include "models/attention/sparse_pattern.h"

namespace attnzoo::block_sparse {

/// A block table that is a band: slot o of query block q is key block q + shift + o, for o in
/// [0, width), with shift <= 0 <= shift + width - 1. `valid` [nq, width] says which band slots
/// are in the row's table.
struct BandLayout {
  bool ok = false;
  int64_t shift = 0, width = 0;
  torch::Tensor valid;
};

/// The pattern's table as a band, when it is one: a single-head table that lists, in every row,
/// distinct blocks that all fit a band no wider than the table (else ok = false).
BandLayout band_layout(const SparsePattern& p);

/// [nq, width * b] int64: the key position of each band slot (may be < 0 or >= padded length,
/// where the slot is never valid).
torch::Tensor band_key_positions(const SparsePattern& p, const BandLayout& band);

/// [1, nq, b, width * b] bool: the band pairs the pattern allows (listed block, allows(), key in
/// [0, length)); padding and global keys are removed per example, as for the general path.
torch::Tensor band_pattern_allowed(const SparsePattern& p, const BandLayout& band);

/// One (example, head): q [nq, b, d], keys [(nq + W - 1) * b, d] padded so that band slot o of
/// query block q is key block q + o -> scores [nq, b, W * b].
torch::Tensor band_scores_head(const torch::Tensor& q, const torch::Tensor& k, int64_t width);

/// out [nq, b, d] = weights [nq, b, W * b] times the band of values [(nq + W - 1) * b, d].
void band_values_head(torch::Tensor out, const torch::Tensor& w, const torch::Tensor& v,
                      int64_t width);

/// The transposed band product, the gradient's half that lands on the banded side: for each
/// block offset o, rows of `a` [nq, b, W * b] at offset o times `x` [nq, b, m] accumulate into
/// the band of `out` [(nq + W - 1) * b, m] (dk of the scores, dv of the weighted sum).
void band_transposed_head(torch::Tensor out, const torch::Tensor& a, const torch::Tensor& x,
                          int64_t width);

/// Differentiable band scores: queries [B, h, nq * b, d] and keys [B, h, (nq + W - 1) * b, d]
/// -> [B, h, nq * b, W * b]. Keeps q and k only.
torch::Tensor band_attention_scores(const torch::Tensor& q, const torch::Tensor& k, int64_t block,
                                    int64_t width);

/// Differentiable weighted sum of a band: weights [B, h, nq * b, W * b] and values laid out as
/// band_attention_scores' keys -> [B, h, nq * b, d]. Keeps the weights (the tensor the softmax
/// keeps anyway) and the values.
torch::Tensor band_attention_values(const torch::Tensor& w, const torch::Tensor& v, int64_t block,
                                    int64_t width);

}  // namespace attnzoo::block_sparse
