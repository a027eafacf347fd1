#pragma once
// Softmax attention over a block part (band or table) and optional global keys, with no dropout
// and no weights returned: the path every training step and benchmark of `local`, `truncated`,
// `longformer` and `bigbird` takes on long sequences. One (example, head) and one chunk of query
// blocks at a time: scores, softmax over both parts together and the weighted sums in tensors of
// one chunk's size that the allocator recycles, and only each query's log-sum-exp is kept; the
// backward pass recomputes the weights from it. Memory is O(n * d) plus one chunk's scores, and
// time grows linearly with n (no tensor grows with n * window, so none is mapped afresh at every
// call).

#include <cstdint>

#include <torch/types.h>

namespace attnzoo::block_sparse {

/// Differentiable in q, k, v, gk, gv. Per example and head: queries q [B, h, nq * b, d]
/// (scaled); for a band (`table` empty, `width` = W) key and value rows [B, h, (nq + W - 1) * b,
/// d] padded as band_attention_scores reads them, for a table [Ht, nq, K] (`width` = K) the rows
/// [B, h, nq * b, d]; `masked` [B, Ht, nq, b, width * b] (true: the pair is not allowed); global
/// keys and values gk, gv [B, h, G, d] and `global_masked` [B, G] (G = 0: no global key).
/// `chunk` is about how many queries are handled at a time. Returns [B, h, nq * b, d].
torch::Tensor fused_block_attention(const torch::Tensor& q, const torch::Tensor& k,
                                    const torch::Tensor& v, const torch::Tensor& gk,
                                    const torch::Tensor& gv, const torch::Tensor& masked,
                                    const torch::Tensor& global_masked, const torch::Tensor& table,
                                    int64_t block, int64_t width, int64_t chunk);

}  // namespace attnzoo::block_sparse
