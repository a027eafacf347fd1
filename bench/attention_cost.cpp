#include "bench/attention_cost.h"

#include <algorithm>

#include <torch/torch.h>

namespace attnzoo {

int64_t allowed_pairs(const SparsePattern& pattern, int64_t heads) {
  using namespace pattern_detail;
  torch::NoGradGuard no_grad;
  const int64_t n = pattern.length, padded = pattern.padded_length();
  const int64_t table_heads = pattern.table_heads();
  TORCH_CHECK(table_heads == 1 || table_heads == heads, "a pattern with ", table_heads,
              " table heads cannot describe ", heads, " heads");
  if (n == 0)
    return 0;
  auto is_global = pattern.globals.defined() ? pattern.globals.to(torch::kBool).flatten()
                                             : torch::zeros({n}, torch::kBool);
  // The rows and columns of global positions are all allowed and counted once, below; the block
  // and strided parts only count pairs of two non-global positions.
  const int64_t strided_width =
      pattern.stride > 0 ? (padded + pattern.stride - 1) / pattern.stride * pattern.stride : 0;
  const int64_t width = std::max(padded, strided_width);
  auto key_ok = torch::constant_pad_nd(~is_global, {0, width - n}, 0);
  auto query_ok = key_ok.narrow(0, 0, padded);

  auto per_table_head = torch::zeros({table_heads}, torch::kLong);
  if (pattern.key_blocks.size(2) > 0) {
    auto keys = block_key_positions(pattern);  // [Ht, nq, Kb]
    auto allowed = block_pattern_allowed(pattern) &
                   key_ok.index_select(0, keys.flatten()).view(keys.sizes()).unsqueeze(2) &
                   query_ok.view({1, pattern.query_blocks(), pattern.block, 1});
    per_table_head += allowed.sum({1, 2, 3});
  }
  if (pattern.stride > 0) {
    auto keys = strided_key_positions(pattern);  // [padded, c]
    auto allowed = strided_pattern_allowed(pattern) &
                   key_ok.index_select(0, keys.flatten()).view(keys.sizes()).unsqueeze(0) &
                   query_ok.view({1, padded, 1});
    per_table_head += allowed.sum({1, 2});
  }
  const int64_t globals = is_global.sum().item<int64_t>();
  per_table_head += 2 * globals * n - globals * globals;
  const int64_t total = per_table_head.sum().item<int64_t>();
  return table_heads == 1 ? total * heads : total;
}

int64_t linear_equivalent_pairs(int64_t heads, int64_t length, int64_t head_dim, bool causal,
                                int64_t chunk) {
  const int64_t within = causal ? (std::min(chunk, std::max<int64_t>(length, 1)) + 1) / 2 : 0;
  return heads * length * (head_dim + within);
}

int64_t linear_row_elements(int64_t length, int64_t head_dim, bool causal, int64_t chunk) {
  const int64_t c = std::max<int64_t>(1, std::min(chunk, std::max<int64_t>(length, 1)));
  const int64_t states =
      causal ? head_dim * head_dim / c : head_dim * head_dim / std::max<int64_t>(length, 1);
  return 4 * head_dim + (causal ? c : 0) + states;
}

double attention_flops(const AttentionShape& shape, int64_t pairs, bool backward) {
  const double d_model = static_cast<double>(shape.d_model());
  const double projections = 4.0 * 2.0 * static_cast<double>(shape.batch) *
                             static_cast<double>(shape.length) * d_model * d_model;
  const double attention = 4.0 * static_cast<double>(shape.batch) *
                           static_cast<double>(shape.head_dim) * static_cast<double>(pairs);
  return (projections + attention) * (backward ? 3.0 : 1.0);
}

int64_t dense_row_elements(int64_t length) {
  return length;
}

int64_t sparse_row_elements(const SparsePattern& pattern, int64_t head_dim) {
  const int64_t padded = pattern.padded_length();
  const int64_t strided = pattern.stride > 0 ? (padded + pattern.stride - 1) / pattern.stride : 0;
  const int64_t globals =
      pattern.globals.defined() ? pattern.globals.to(torch::kBool).sum().item<int64_t>() : 0;
  const int64_t block_keys = pattern.block_keys();
  // Each query block gathers its block_keys key and value rows once, shared by its b queries.
  const int64_t gathered = 2 * block_keys * head_dim / std::max<int64_t>(pattern.block, 1);
  // Global query rows see all n keys: spread over the n queries they are `globals` per query.
  return block_keys + strided + 2 * globals + gathered;
}

int64_t estimate_peak_bytes(const AttentionShape& shape, int64_t row_elements, bool backward) {
  // Copies of the attention tensors alive at the peak: scores and weights (and a masked or
  // scaled copy) forward; for backward also the saved tensors and their gradients.
  const double attention_copies = backward ? 6.0 : 3.0;
  const double activation_copies = backward ? 24.0 : 12.0;
  const double padded = static_cast<double>(shape.length);
  const double bytes = 4.0 * (attention_copies * static_cast<double>(shape.batch * shape.heads) *
                                  padded * static_cast<double>(row_elements) +
                              activation_copies * static_cast<double>(shape.batch) * padded *
                                  static_cast<double>(shape.d_model()));
  return static_cast<int64_t>(bytes);
}

}  // namespace attnzoo
