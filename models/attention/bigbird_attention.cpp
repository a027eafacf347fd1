#include "models/attention/bigbird_attention.h"

#include <algorithm>
#include <vector>

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

namespace {

// The generator's modulus, the prime 2^31 - 1: every product below stays under 2^62, so the
// int64 arithmetic never overflows, here or in TorchScript.
constexpr int64_t kModulus = 2147483647;

// One round of the counter hash: mixes the value v into the state x (both in [0, 2^31)).
torch::Tensor hash_round(const torch::Tensor& x, const torch::Tensor& v) {
  auto h = torch::remainder(x + v + 1, kModulus) * 1103515245 % kModulus;
  h = torch::bitwise_xor(h, torch::div(h, 32768, "floor"));
  return h * 48271 % kModulus;
}

}  // namespace

SparsePattern BigBirdAttentionImpl::pattern(int64_t n) const {
  const int64_t heads = options.heads(), half = options.window_blocks() / 2;
  const int64_t window = options.window_blocks(), random = options.random_blocks();
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

  // The non-global blocks are the range [first, end); query block q's window in it is [lo, hi].
  const int64_t first = std::min((options.global_blocks() + 1) / 2, blocks);
  const int64_t end = std::max(first, blocks - options.global_blocks() / 2);
  const auto q = torch::arange(blocks, torch::kLong);
  const auto is_query = (q >= first) & (q < end);  // global query blocks take dense rows instead
  const auto lo = torch::clamp_min(q - half, first), hi = torch::clamp_max(q + half, end - 1);
  auto window_blocks = lo.unsqueeze(1) + torch::arange(window, torch::kLong);  // [nq, window]
  auto window_valid = (window_blocks <= hi.unsqueeze(1)) & is_query.unsqueeze(1);

  // Random blocks: m = min(random, candidates) distinct ranks among the non-global blocks outside
  // the window, by Floyd's algorithm (draw s picks in [0, c - m + s], or c - m + s itself when
  // that rank is taken), each draw a hash of (seed, head, query block, s).
  const auto before = lo - first;  // candidates in front of the window
  const auto candidates =
      torch::where(is_query, (end - first) - (hi - lo + 1), torch::zeros_like(q)).clamp_min(0);
  const auto m = candidates.clamp_max(random);
  const auto state = hash_round(
      torch::full({heads, 1}, static_cast<int64_t>(options.seed() % kModulus), torch::kLong),
      torch::arange(heads, torch::kLong).unsqueeze(1));
  const auto per_query = hash_round(state, q.unsqueeze(0));  // [heads, nq]
  std::vector<torch::Tensor> ranks, valid;
  for (int64_t s = 0; s < random; ++s) {
    const auto top = candidates - m + s;  // [nq]
    auto rank = torch::remainder(hash_round(per_query, torch::full({}, s, torch::kLong)),
                                 (top + 1).clamp_min(1));
    auto taken = torch::zeros_like(rank, torch::kBool);
    for (const auto& earlier : ranks)
      taken = taken | (earlier == rank);
    rank = torch::where(taken, top.expand_as(rank), rank);
    ranks.push_back(rank);
    valid.push_back((m > s).expand_as(rank));
  }
  auto key_blocks = window_blocks.unsqueeze(0).expand({heads, blocks, window});
  auto key_valid = window_valid.unsqueeze(0).expand({heads, blocks, window});
  if (random > 0) {
    const auto rank = torch::stack(ranks, 2);  // [heads, nq, random]
    const auto after = (hi + 1 - before).view({1, blocks, 1});
    const auto block = torch::where(rank < before.view({1, blocks, 1}), rank + first, rank + after);
    key_blocks = torch::cat({key_blocks, block}, 2);
    key_valid = torch::cat({key_valid, torch::stack(valid, 2)}, 2);
  }
  // Invalid entries point at block 0, so that every index stays in range.
  p.key_blocks = torch::where(key_valid, key_blocks, torch::zeros_like(key_blocks)).contiguous();
  p.key_valid = key_valid.contiguous();
  return p;
}

ScriptPattern BigBirdAttentionImpl::script_pattern() const {
  // pattern() above, line for line.
  return {
      fmt::format(R"JIT(
def hash_round(self, x: Tensor, v: Tensor) -> Tensor:
    h = torch.remainder(x + v + 1, 2147483647) * 1103515245 % 2147483647
    h = torch.bitwise_xor(h, torch.div(h, 32768, rounding_mode='floor'))
    return h * 48271 % 2147483647

def pattern(self, n: int) -> Tuple[int, Tensor, Tensor, int, Tensor]:
    nq = (n + {block} - 1) // {block}
    q = torch.arange(nq, dtype=torch.long)
    first = min(({global_blocks} + 1) // 2, nq)
    end = max(first, nq - {global_blocks} // 2)
    globals = ((q < first) | (q >= nq - {global_blocks} // 2)).repeat_interleave({block})[:n]
    is_query = (q >= first) & (q < end)
    lo = torch.clamp_min(q - {half}, first)
    hi = torch.clamp_max(q + {half}, end - 1)
    window_blocks = lo.unsqueeze(1) + torch.arange({window}, dtype=torch.long)
    window_valid = (window_blocks <= hi.unsqueeze(1)) & is_query.unsqueeze(1)
    before = lo - first
    candidates = torch.where(is_query, (end - first) - (hi - lo + 1), torch.zeros_like(q)).clamp_min(0)
    m = candidates.clamp_max({random})
    state = self.hash_round(torch.full([{heads}, 1], {seed}, dtype=torch.long),
                            torch.arange({heads}, dtype=torch.long).unsqueeze(1))
    per_query = self.hash_round(state, q.unsqueeze(0))
    ranks: List[Tensor] = []
    valid: List[Tensor] = []
    for s in range({random}):
        top = candidates - m + s
        rank = torch.remainder(self.hash_round(per_query, torch.full([], s, dtype=torch.long)),
                               (top + 1).clamp_min(1))
        taken = torch.zeros_like(rank, dtype=torch.bool)
        for earlier in ranks:
            taken = taken | (earlier == rank)
        rank = torch.where(taken, top.expand_as(rank), rank)
        ranks.append(rank)
        valid.append((m > s).expand_as(rank))
    key_blocks = window_blocks.unsqueeze(0).expand({heads}, nq, {window})
    key_valid = window_valid.unsqueeze(0).expand({heads}, nq, {window})
    if {random} > 0:
        rank = torch.stack(ranks, 2)
        after = (hi + 1 - before).view(1, nq, 1)
        block = torch.where(rank < before.view(1, nq, 1), rank + first, rank + after)
        key_blocks = torch.cat([key_blocks, block], 2)
        key_valid = torch.cat([key_valid, torch.stack(valid, 2)], 2)
    key_blocks = torch.where(key_valid, key_blocks, torch.zeros_like(key_blocks)).contiguous()
    return {block}, key_blocks, key_valid.contiguous(), 0, globals

def allows(self, head: Tensor, i: Tensor, j: Tensor) -> Tensor:
    return torch.ones_like(head + i + j, dtype=torch.bool)
)JIT",
                  fmt::arg("block", options.block_size()),
                  fmt::arg("global_blocks", options.global_blocks()),
                  fmt::arg("half", options.window_blocks() / 2),
                  fmt::arg("window", options.window_blocks()),
                  fmt::arg("random", options.random_blocks()), fmt::arg("heads", options.heads()),
                  fmt::arg("seed", static_cast<int64_t>(options.seed() % kModulus))),
      {}};
}

}  // namespace attnzoo
