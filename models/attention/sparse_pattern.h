#pragma once
// Which (query, key) pairs a sparse attention variant allows, described once per sequence length
// (like FlexAttention's BlockMask) and used twice: by the blocked kernel (block_sparse_kernel.h),
// which only ever touches the listed blocks, and by `dense_mask()`, which draws the same pairs as a
// dense boolean n x n mask: the kernel's test oracle and the variant's picture.
//
// A query i may see a key j (both < length) when any of these holds:
//   1. block part: key block j / block is listed in the table row of query block i / block (for
//      the head), and `allows(head, i, j)` holds (or `allows` is undefined);
//   2. strided part (stride > 0): (i - j) mod stride == 0;
//   3. global part: i or j is a global position.
// The kernel computes each part separately but normalizes them together, in one softmax. To count
// no pair twice, global keys are removed from parts 1 and 2, and the pairs of part 1 from part 2.

#include <functional>
#include <vector>

#include <torch/types.h>

namespace attnzoo {

/// An element-level predicate, evaluated once on whole position tensors (never per element):
/// `head`, `query` and `key` are int64 tensors of broadcastable shapes; returns a bool tensor of
/// their broadcast shape.
using PairPredicate = std::function<torch::Tensor(
    const torch::Tensor& head, const torch::Tensor& query, const torch::Tensor& key)>;

struct SparsePattern {
  /// Real sequence length n; the kernel pads to `padded_length()`, a multiple of `block`.
  int64_t length = 0;
  /// Block size b of the table.
  int64_t block = 1;
  /// [table_heads, query_blocks, K] int64: the key blocks of each query block, padded to K
  /// entries; table_heads is 1 (every head alike) or the number of heads.
  torch::Tensor key_blocks;
  /// [table_heads, query_blocks, K] bool: which entries of `key_blocks` are real.
  torch::Tensor key_valid;
  /// Refines partial blocks; undefined means every pair of a listed block is allowed.
  PairPredicate allows;
  /// Strided part: query i also sees every key j with (i - j) mod stride == 0 (0: none).
  int64_t stride = 0;
  /// [length] bool: the global positions (undefined: none). More can be given per example.
  torch::Tensor globals;

  int64_t query_blocks() const { return (length + block - 1) / block; }
  int64_t padded_length() const { return query_blocks() * block; }
  int64_t table_heads() const { return key_blocks.size(0); }
  /// K * block: how many block-part keys each query scores.
  int64_t block_keys() const { return key_blocks.size(2) * block; }

  /// The allowed pairs as a dense [B, table_heads, length, length] bool mask. `global_mask`
  /// ([B, length] bool, optional) adds per-example global positions; without it B is 1.
  torch::Tensor dense_mask(const torch::Tensor& global_mask = {}) const;
};

/// A pattern with an empty block table (K = 0), no stride and no globals, for `length`.
SparsePattern empty_pattern(int64_t length, int64_t block);

/// The block table of a band: query i needs the keys i - left .. i + right. For each query block
/// it lists every key block that holds such a key (clipped to the sequence), in order, padding
/// rows near the ends with invalid entries. Returns {key_blocks, key_valid}, each [1, nq, K].
std::pair<torch::Tensor, torch::Tensor> band_block_table(int64_t query_blocks, int64_t block,
                                                         int64_t left, int64_t right);

/// Stacks per-head tables ([1, nq, K_h] each) into one [heads, nq, max K_h] table.
std::pair<torch::Tensor, torch::Tensor> stack_head_tables(
    const std::vector<std::pair<torch::Tensor, torch::Tensor>>& tables);

/// A kernel block size for a band reaching `reach` keys to either side: about the reach, so that
/// each query block needs about three key blocks, within [16, 128].
int64_t auto_block_size(int64_t reach);

// The pieces of the description that the kernel and dense_mask() share.
namespace pattern_detail {

/// [table_heads, nq, K * b] int64: the key position of each block-part slot.
torch::Tensor block_key_positions(const SparsePattern& p);
/// [table_heads, nq, b, K * b] bool: the block-part pairs the pattern allows (valid entry,
/// allows(), key < length); padding and global keys are removed later, per example.
torch::Tensor block_pattern_allowed(const SparsePattern& p);
/// [padded_length, c] int64 with c = ceil(padded_length / stride): the strided part's key
/// positions, key a of query i being a * stride + i mod stride.
torch::Tensor strided_key_positions(const SparsePattern& p);
/// [table_heads, padded_length, c] bool: strided pairs with key < length that the block part does
/// not already allow.
torch::Tensor strided_pattern_allowed(const SparsePattern& p);
/// Gathers a per-example key mask [B, P] at key positions [...] -> [B, ...].
torch::Tensor gather_key_mask(const torch::Tensor& key_ok, const torch::Tensor& positions);

}  // namespace pattern_detail

}  // namespace attnzoo
