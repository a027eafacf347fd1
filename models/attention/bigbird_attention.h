#pragma once
// BigBird's block-sparse attention, the ITC pattern (Zaheer et al., 2020). The sequence is cut
// into blocks of `block_size`; query block q sees
//  - the window: key blocks q - window_blocks/2 .. q + window_blocks/2 (3 blocks by default),
//  - `random_blocks` key blocks drawn at random, other than its window and the global blocks,
//  - the global blocks: the first ceil(global_blocks / 2) and the last floor(global_blocks / 2)
//    blocks (with 2, the first and the last block, as in BigBird's implementation). Their tokens
//    attend to every key, and every query attends to them.
// The random blocks depend only on the seed, the length and the head: fixed for a layer, the same
// in training and evaluation, and different for each head. They are drawn by a counter-based
// generator (a hash of seed, head, query block and draw), so that the table of any length is
// computed from scratch with a few tensor operations, in C++ and in the exported TorchScript
// alike: no stored table bounds the length.

#include "models/attention/sparse_attention.h"

namespace attnzoo {

struct BigBirdAttentionOptions {
  BigBirdAttentionOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  TORCH_ARG(int64_t, block_size) = 64;
  /// Odd: the window is the query's own block and window_blocks / 2 blocks on each side.
  TORCH_ARG(int64_t, window_blocks) = 3;
  TORCH_ARG(int64_t, global_blocks) = 2;
  TORCH_ARG(int64_t, random_blocks) = 3;
  TORCH_ARG(uint64_t, seed) = 0;
  TORCH_ARG(Score, score) = Score::kDot;
  TORCH_ARG(Normalization, normalization) = Normalization::kSoftmax;
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(double, dropout) = 0.0;
};

class BigBirdAttentionImpl : public SparseAttentionImpl {
 public:
  explicit BigBirdAttentionImpl(const BigBirdAttentionOptions& options);
  SparsePattern pattern(int64_t n) const override;
  ScriptPattern script_pattern() const override;

  /// Whether each of the `blocks` blocks of a sequence is global.
  std::vector<bool> global_block_flags(int64_t blocks) const;

  BigBirdAttentionOptions options;
};
TORCH_MODULE(BigBirdAttention);

}  // namespace attnzoo
