#include "models/attention/sparse_pattern.h"

#include <algorithm>

namespace attnzoo {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

torch::Tensor arange(int64_t n) {
  return torch::arange(n, torch::kLong);
}

}  // namespace

SparsePattern empty_pattern(int64_t length, int64_t block) {
  TORCH_CHECK(length >= 0 && block > 0, "pattern length (", length, ") must be >= 0 and block (",
              block, ") > 0");
  SparsePattern p;
  p.length = length;
  p.block = block;
  p.key_blocks = torch::zeros({1, p.query_blocks(), 0}, torch::kLong);
  p.key_valid = torch::zeros({1, p.query_blocks(), 0}, torch::kBool);
  return p;
}

std::pair<torch::Tensor, torch::Tensor> band_block_table(int64_t query_blocks, int64_t block,
                                                         int64_t left, int64_t right) {
  TORCH_CHECK(left >= 0 && right >= 0, "band reach must be >= 0, got left ", left, ", right ",
              right);
  // Query block q holds queries q*b .. q*b + b - 1, so it needs keys q*b - left .. q*b + b-1 +
  // right.
  std::vector<int64_t> first(query_blocks), count(query_blocks);
  int64_t width = 0;
  for (int64_t q = 0; q < query_blocks; ++q) {
    const int64_t lo = std::max<int64_t>(0, floor_div(q * block - left, block));
    const int64_t hi = std::min(query_blocks - 1, (q * block + block - 1 + right) / block);
    first[q] = lo;
    count[q] = hi - lo + 1;
    width = std::max(width, count[q]);
  }
  auto blocks = torch::zeros({1, query_blocks, width}, torch::kLong);
  auto valid = torch::zeros({1, query_blocks, width}, torch::kBool);
  auto b = blocks.accessor<int64_t, 3>();
  auto v = valid.accessor<bool, 3>();
  for (int64_t q = 0; q < query_blocks; ++q) {
    for (int64_t k = 0; k < count[q]; ++k) {
      b[0][q][k] = first[q] + k;
      v[0][q][k] = true;
    }
  }
  return {blocks, valid};
}

std::pair<torch::Tensor, torch::Tensor> stack_head_tables(
    const std::vector<std::pair<torch::Tensor, torch::Tensor>>& tables) {
  TORCH_CHECK(!tables.empty(), "stack_head_tables needs at least one table");
  int64_t width = 0;
  for (const auto& t : tables)
    width = std::max(width, t.first.size(2));
  std::vector<torch::Tensor> blocks, valid;
  for (const auto& t : tables) {
    const int64_t pad = width - t.first.size(2);
    blocks.push_back(torch::constant_pad_nd(t.first, {0, pad}, 0));
    valid.push_back(torch::constant_pad_nd(t.second, {0, pad}, 0));
  }
  return {torch::cat(blocks), torch::cat(valid)};
}

int64_t auto_block_size(int64_t reach) {
  return std::clamp<int64_t>(reach, 16, 128);
}

namespace pattern_detail {

torch::Tensor block_key_positions(const SparsePattern& p) {
  auto positions = p.key_blocks.unsqueeze(-1) * p.block + arange(p.block);  // [Ht, nq, K, b]
  return positions.reshape({p.table_heads(), p.query_blocks(), p.block_keys()});
}

torch::Tensor block_pattern_allowed(const SparsePattern& p) {
  const int64_t heads = p.table_heads(), nq = p.query_blocks(), b = p.block;
  auto keys = block_key_positions(p).unsqueeze(2);  // [Ht, nq, 1, Kb]
  auto valid = p.key_valid.unsqueeze(-1)
                   .expand({heads, nq, p.key_blocks.size(2), b})
                   .reshape({heads, nq, 1, p.block_keys()});
  auto allowed = valid & (keys < p.length);
  if (p.allows) {
    auto head = arange(heads).view({heads, 1, 1, 1});
    auto queries = arange(p.padded_length()).view({1, nq, b, 1});
    allowed = allowed & p.allows(head, queries, keys);
  }
  return allowed.expand({heads, nq, b, p.block_keys()});
}

torch::Tensor strided_key_positions(const SparsePattern& p) {
  const int64_t n = p.padded_length(), s = p.stride, c = (n + s - 1) / s;
  return arange(c).view({1, c}) * s + arange(n).view({n, 1}).remainder(s);
}

torch::Tensor strided_pattern_allowed(const SparsePattern& p) {
  const int64_t heads = p.table_heads(), nq = p.query_blocks(), n = p.padded_length();
  auto keys = strided_key_positions(p).unsqueeze(0);  // [1, n, c]
  auto queries = arange(n).view({1, n, 1});
  // Remove the pairs the block part already allows: block membership as a small [Ht, nq, nq]
  // table (per block, not per element), refined by the element predicate.
  auto member = torch::zeros({heads, nq, nq}, torch::kLong)
                    .scatter_add_(2, p.key_blocks, p.key_valid.to(torch::kLong))
                    .gt(0);
  auto block_of = [&](const torch::Tensor& position) { return position.div(p.block, "floor"); };
  auto pair_index = block_of(queries) * nq + block_of(keys).clamp_max(nq - 1);
  auto in_block_part =
      member.view({heads, nq * nq}).index_select(1, pair_index.flatten()).view({heads, n, -1});
  if (p.allows) {
    in_block_part = in_block_part & p.allows(arange(heads).view({heads, 1, 1}), queries, keys);
  }
  return (keys < p.length) & ~in_block_part;
}

torch::Tensor gather_key_mask(const torch::Tensor& key_ok, const torch::Tensor& positions) {
  std::vector<int64_t> shape = {key_ok.size(0)};
  for (auto s : positions.sizes())
    shape.push_back(s);
  return key_ok.index_select(1, positions.flatten()).view(shape);
}

}  // namespace pattern_detail

torch::Tensor SparsePattern::dense_mask(const torch::Tensor& global_mask) const {
  using namespace pattern_detail;
  const int64_t n = length, padded = padded_length(), heads = table_heads();
  auto is_global = globals.defined() ? globals.view({1, n}) : torch::zeros({1, n}, torch::kBool);
  if (global_mask.defined())
    is_global = is_global | global_mask;
  const int64_t batch = is_global.size(0);
  const int64_t strided_length = stride > 0 ? (padded + stride - 1) / stride * stride : 0;
  const int64_t width = std::max(padded, strided_length);
  // Global keys belong to the global part only (below).
  auto key_ok = torch::constant_pad_nd(~is_global, {0, width - n}, 0);

  // Count each allowed (query, key) pair of the block and strided parts into a dense table.
  auto counts = torch::zeros({batch, heads, padded, width}, torch::kInt);
  if (key_blocks.size(2) > 0) {
    auto keys = block_key_positions(*this);  // [Ht, nq, Kb]
    auto allowed = block_pattern_allowed(*this) & gather_key_mask(key_ok, keys).unsqueeze(3);
    auto index = keys.unsqueeze(2).expand({batch, heads, query_blocks(), block, block_keys()});
    counts.scatter_add_(3, index.reshape({batch, heads, padded, block_keys()}),
                        allowed.reshape({batch, heads, padded, block_keys()}).to(torch::kInt));
  }
  if (stride > 0) {
    auto keys = strided_key_positions(*this);  // [n, c]
    auto allowed = strided_pattern_allowed(*this) & gather_key_mask(key_ok, keys).unsqueeze(1);
    counts.scatter_add_(3, keys.expand({batch, heads, padded, keys.size(1)}),
                        allowed.to(torch::kInt));
  }
  auto mask = counts.narrow(2, 0, n).narrow(3, 0, n).gt(0);
  return mask | is_global.view({batch, 1, n, 1}) | is_global.view({batch, 1, 1, n});
}

}  // namespace attnzoo
