#pragma once
// How the blocked kernel lays out [B, heads, n, d] tensors: global tokens packed into slots,
// rows gathered by position, key blocks gathered by a block table, [B * h]-flattened blocks and
// rows, padding along the positions, and the stride groups of the strided part.

#include <cstdint>

#include <torch/types.h>

namespace attnzoo::block_sparse {

/// The global tokens of each example, packed into G slots: index [B, G] holds their positions
/// (valid [B, G] marks real slots when examples have different numbers), slot [B, n] the slot of
/// each global position.
struct GlobalSlots {
  int64_t count = 0;
  torch::Tensor index, valid, slot;
};

/// The slots of is_global [B, n] bool.
GlobalSlots global_slots(const torch::Tensor& is_global);

/// x [B, h, n, d] at the positions index [B, G] -> [B, h, G, d].
torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& index);

/// The key (or value) blocks of every query block, side by side: x [B, h, nq * b, d] and a table
/// [Ht, nq, K] -> [B, h, nq, K * b, d].
torch::Tensor gather_blocks(const torch::Tensor& x, const torch::Tensor& key_blocks, int64_t block);

/// [B, h, rows, d] -> contiguous [B * h, rows / block, block, d].
torch::Tensor to_blocks(const torch::Tensor& x, int64_t block);

/// [B, h, L, d] -> contiguous [B * h, L, d].
torch::Tensor to_rows(const torch::Tensor& x);

/// x zero-padded along dim 2 (the positions) to `length`.
torch::Tensor pad_positions(const torch::Tensor& x, int64_t length);

/// Strided part: with n = c * s positions laid out as a [c, s] grid (i = a * s + r), the keys of
/// query i with (i - j) mod s == 0 are exactly its column r. Transposing the grid makes each
/// column a contiguous group, so the strided part is a dense attention inside each of the s
/// groups: [B, h, c * s, d] -> [B, h, s, c, d].
torch::Tensor to_stride_groups(const torch::Tensor& x, int64_t stride);

/// [B, h, s, c, m] -> [B, h, c * s, m].
torch::Tensor from_stride_groups(const torch::Tensor& x);

}  // namespace attnzoo::block_sparse
