#pragma once
// The common body of the sparse variants. A sparse variant *is* a MultiHeadAttention (the same
// Q, K, V and output projections, scoring and dropout, with the same parameter names) whose heads
// may only attend to the pairs of the variant's SparsePattern; a variant only says which pairs
// those are, in `pattern(n)`, and the blocked kernel (block_sparse_kernel.h) does the rest.

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "models/attention/block_sparse_kernel.h"
#include "models/attention/multi_head_attention.h"
#include "models/attention/sparse_pattern.h"
#include "models/attention_config.h"

namespace attnzoo {

/// A variant's pattern() written in TorchScript, so that an exported model keeps the sparse
/// computation (models/torchscript/attention_script.h). `source` defines two methods:
///   pattern(self, n: int) -> Tuple[int, Tensor, Tensor, int, Tensor]
///       block, key_blocks and key_valid ([Ht, nq, K], on the CPU), stride, globals ([n] bool)
///   allows(self, head: Tensor, i: Tensor, j: Tensor) -> Tensor     (the element predicate)
/// with the kernel's helpers (band_block_table, kernel_block_size, first_positions, empty_table,
/// stack_head_tables); `buffers` are tensors it reads as attributes of the module.
struct ScriptPattern {
  std::string source;
  std::vector<std::pair<std::string, torch::Tensor>> buffers;
};

class SparseAttentionImpl : public MultiHeadAttentionImpl {
 public:
  using MultiHeadAttentionImpl::MultiHeadAttentionImpl;

  /// The pairs this layer allows in a sequence of length n.
  virtual SparsePattern pattern(int64_t n) const = 0;

  /// pattern() as TorchScript, for sequences of any length; the export tests check that the two
  /// agree.
  virtual ScriptPattern script_pattern() const = 0;

  AttentionOutput forward(const torch::Tensor& x, const torch::Tensor& mask = {},
                          bool need_weights = false) override;

  /// forward() with extra global tokens for each example: `global_mask` [B, n] bool, true at
  /// tokens that attend to every key and that every query attends to (e.g. a question's tokens).
  AttentionOutput forward_with_globals(const torch::Tensor& x, const torch::Tensor& mask,
                                       const torch::Tensor& global_mask, bool need_weights = false);

  /// The same layer computed the dense way (n x n scores masked by pattern(n).dense_mask()): the
  /// oracle for tests, never used in training.
  AttentionOutput dense_forward(const torch::Tensor& x, const torch::Tensor& mask = {},
                                const torch::Tensor& global_mask = {}, bool need_weights = false);

  /// [table_heads, n, n] bool: the pairs allowed at length n (table_heads is 1 when every head
  /// has the same pattern).
  torch::Tensor dense_mask(int64_t n) const { return pattern(n).dense_mask()[0]; }

 protected:
  /// Longformer gives global tokens their own Q, K, V: it returns those projections of x
  /// ([B, n, d_model] each); the default returns undefined tensors (the usual q, k, v are used).
  virtual std::array<torch::Tensor, 3> global_projections(const torch::Tensor& x);

 private:
  SparseAttentionInputs inputs(const torch::Tensor& x, const torch::Tensor& mask,
                               const torch::Tensor& global_mask, bool need_weights);
};

/// The MultiHeadAttention part of a sparse variant's options (they all have these fields).
template <typename SparseOptions>
MultiHeadAttentionOptions multi_head_options(const SparseOptions& o) {
  return MultiHeadAttentionOptions(o.d_model(), o.heads())
      .score(o.score())
      .normalization(o.normalization())
      .bias(o.bias())
      .dropout(o.dropout());
}

/// The kernel block for a band reaching `reach` keys to each side: `requested` when positive,
/// else auto_block_size(reach), but never more than the sequence needs.
int64_t kernel_block_size(int64_t requested, int64_t reach, int64_t n);

/// The dense [table_heads, n, n] mask of the sparse variant `config` builds (config.name must be
/// a sparse variant): what `attnzoo patterns` draws.
torch::Tensor attention_pattern(const AttentionConfig& config, int64_t n);

}  // namespace attnzoo
