#include "models/attention/bigbird_attention.h"

#include <algorithm>
#include <random>

#include <fmt/core.h>

namespace attnzoo {

BigBirdAttentionImpl::BigBirdAttentionImpl(const BigBirdAttentionOptions& options_)
    : SparseAttentionImpl(multi_head_options(options_)), options(options_) {
  TORCH_CHECK(options.block_size() > 0, "bigbird: block_size must be > 0, got ",
              options.block_size());
  TORCH_CHECK(options.window_blocks() > 0 && options.window_blocks() % 2 == 1,
              "bigbird: window_blocks must be odd and positive, got ", options.window_blocks());
  TORCH_CHECK(options.global_blocks() >= 0 && options.random_blocks() >= 0,
              "bigbird: global_blocks and random_blocks must be >= 0, got ",
              options.global_blocks(), ", ", options.random_blocks());
}

std::vector<bool> BigBirdAttentionImpl::global_block_flags(int64_t blocks) const {
  std::vector<bool> global(blocks, false);
  const int64_t front = (options.global_blocks() + 1) / 2, back = options.global_blocks() / 2;
  for (int64_t i = 0; i < std::min(front, blocks); ++i)
    global[i] = true;
  for (int64_t i = 0; i < std::min(back, blocks); ++i)
    global[blocks - 1 - i] = true;
  return global;
}

SparsePattern BigBirdAttentionImpl::pattern(int64_t n) const {
  const int64_t heads = options.heads(), half = options.window_blocks() / 2;
  auto p = empty_pattern(n, options.block_size());
  const int64_t blocks = p.query_blocks();
  const auto global = global_block_flags(blocks);

  // Global blocks go to the kernel's global part (their tokens are global positions); the table
  // holds only the window and random blocks, and no global block, so nothing is counted twice.
  p.globals = torch::zeros({n}, torch::kBool);
  for (int64_t i = 0; i < blocks; ++i) {
    if (global[i])
      p.globals.narrow(0, i * p.block, std::min(p.block, n - i * p.block)).fill_(true);
  }

  // The table is tiny (heads x blocks x (window + random)), built here by plain loops. The
  // random blocks come from one generator seeded by the layer's seed, so they are deterministic.
  std::mt19937_64 rng(options.seed());
  const int64_t width = options.window_blocks() + options.random_blocks();
  auto key_blocks = torch::zeros({heads, blocks, width}, torch::kLong);
  auto key_valid = torch::zeros({heads, blocks, width}, torch::kBool);
  auto kb = key_blocks.accessor<int64_t, 3>();
  auto kv = key_valid.accessor<bool, 3>();
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t q = 0; q < blocks; ++q) {
      if (global[q])
        continue;  // global query blocks take the dense global rows instead
      int64_t slot = 0;
      std::vector<int64_t> candidates;
      for (int64_t k = 0; k < blocks; ++k) {
        if (global[k])
          continue;
        if (std::abs(k - q) <= half) {
          kb[h][q][slot] = k;
          kv[h][q][slot++] = true;
        } else {
          candidates.push_back(k);
        }
      }
      // A partial Fisher-Yates shuffle draws the random blocks without repetition.
      const int64_t draws = std::min<int64_t>(options.random_blocks(), candidates.size());
      for (int64_t r = 0; r < draws; ++r) {
        const int64_t pick = r + static_cast<int64_t>(rng() % (candidates.size() - r));
        std::swap(candidates[r], candidates[pick]);
        kb[h][q][slot] = candidates[r];
        kv[h][q][slot++] = true;
      }
    }
  }
  p.key_blocks = key_blocks;
  p.key_valid = key_valid;
  return p;
}

ScriptPattern BigBirdAttentionImpl::script_pattern(int64_t max_length) const {
  // The random blocks come from a C++ generator that TorchScript does not have: the tables of
  // every block count up to max_length are computed here and travel with the module.
  const int64_t b = options.block_size(), heads = options.heads();
  const int64_t counts = std::max<int64_t>(1, (max_length + b - 1) / b);
  const int64_t width = options.window_blocks() + options.random_blocks();
  auto blocks = torch::zeros({counts, heads, counts, width}, torch::kLong);
  auto valid = torch::zeros({counts, heads, counts, width}, torch::kBool);
  auto global = torch::zeros({counts, counts}, torch::kBool);
  for (int64_t nq = 1; nq <= counts; ++nq) {
    const auto p = pattern(nq * b);
    blocks[nq - 1].narrow(1, 0, nq).copy_(p.key_blocks);
    valid[nq - 1].narrow(1, 0, nq).copy_(p.key_valid);
    const auto flags = global_block_flags(nq);
    for (int64_t q = 0; q < nq; ++q)
      global[nq - 1][q] = static_cast<bool>(flags[q]);
  }
  return {fmt::format(R"JIT(
def pattern(self, n: int) -> Tuple[int, Tensor, Tensor, int, Tensor]:
    nq = (n + {block} - 1) // {block}
    assert nq <= self.global_blocks.size(0), "longer than the longest sequence the model was exported for"
    if nq == 0:
        table = self.empty_table(0)
        return {block}, table[0], table[1], 0, self.first_positions(0, 0)
    globals = self.global_blocks[nq - 1, :nq].repeat_interleave({block})[:n]
    return {block}, self.table_blocks[nq - 1, :, :nq], self.table_valid[nq - 1, :, :nq], 0, globals

def allows(self, head: Tensor, i: Tensor, j: Tensor) -> Tensor:
    return torch.ones_like(head + i + j, dtype=torch.bool)
)JIT",
                      fmt::arg("block", b)),
          {{"table_blocks", blocks}, {"table_valid", valid}, {"global_blocks", global}}};
}

}  // namespace attnzoo
