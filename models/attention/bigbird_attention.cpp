#include "models/attention/bigbird_attention.h"

#include <algorithm>
#include <random>

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

}  // namespace attnzoo
