#include "models/attention/longformer_attention.h"

#include <algorithm>

#include <fmt/core.h>

#include "models/attention/global_attention.h"

namespace attnzoo {

LongformerAttentionImpl::LongformerAttentionImpl(const LongformerAttentionOptions& options_)
    : SparseAttentionImpl(multi_head_options(options_)), options(options_) {
  TORCH_CHECK(options.window() >= 0, "longformer: window must be >= 0, got ", options.window());
  TORCH_CHECK(options.globals() >= 0, "longformer: globals must be >= 0, got ", options.globals());
  const auto& d = options.dilation();
  TORCH_CHECK(d.size() <= 1 || static_cast<int64_t>(d.size()) == options.heads(),
              "longformer: dilation needs one value or one per head (", options.heads(), "), got ",
              d.size());
  for (auto value : d)
    TORCH_CHECK(value >= 1, "longformer: dilation must be >= 1, got ", value);
  auto linear = [&] {
    return torch::nn::Linear(
        torch::nn::LinearOptions(options.d_model(), options.d_model()).bias(options.bias()));
  };
  query_global = register_module("query_global", linear());
  key_global = register_module("key_global", linear());
  value_global = register_module("value_global", linear());
}

std::vector<int64_t> LongformerAttentionImpl::head_dilations() const {
  const auto& d = options.dilation();
  if (d.empty())
    return std::vector<int64_t>(options.heads(), 1);
  if (d.size() == 1)
    return std::vector<int64_t>(options.heads(), d[0]);
  return d;
}

SparsePattern LongformerAttentionImpl::pattern(int64_t n) const {
  const int64_t w = options.window();
  const auto dilations = head_dilations();
  const int64_t widest = *std::max_element(dilations.begin(), dilations.end());
  auto p = empty_pattern(n, kernel_block_size(options.block_size(), w * widest, n));
  p.globals = first_positions(n, options.globals());
  if (widest == 1) {
    std::tie(p.key_blocks, p.key_valid) = band_block_table(p.query_blocks(), p.block, w, w);
    p.allows = [w](const torch::Tensor&, const torch::Tensor& i, const torch::Tensor& j) {
      return (i - j).abs() <= w;
    };
    return p;
  }
  // A dilated head reaches w * d to each side: its own band table, and a predicate that keeps
  // every d-th key of it. (The table holds d times more keys than the head uses.)
  std::vector<std::pair<torch::Tensor, torch::Tensor>> tables;
  for (auto d : dilations)
    tables.push_back(band_block_table(p.query_blocks(), p.block, w * d, w * d));
  std::tie(p.key_blocks, p.key_valid) = stack_head_tables(tables);
  auto dilation = torch::tensor(dilations, torch::kLong);
  p.allows = [w, dilation](const torch::Tensor& head, const torch::Tensor& i,
                           const torch::Tensor& j) {
    auto d = dilation.index_select(0, head.flatten()).view(head.sizes());
    auto offset = i - j;
    return (offset.abs() <= w * d) & (offset.remainder(d) == 0);
  };
  return p;
}

std::array<torch::Tensor, 3> LongformerAttentionImpl::global_projections(const torch::Tensor& x) {
  return {query_global(x), key_global(x), value_global(x)};
}

ScriptPattern LongformerAttentionImpl::script_pattern() const {
  const int64_t w = options.window();
  const auto dilations = head_dilations();
  const int64_t widest = *std::max_element(dilations.begin(), dilations.end());
  // As in pattern(): one band without dilation, else a band table per head and a predicate that
  // keeps every d-th key.
  std::string table = fmt::format("self.band_block_table(nq, block, {0}, {0})", w);
  std::string allows = fmt::format("(i - j).abs() <= {}", w);
  if (widest > 1) {
    table = "self.stack_head_tables([";
    for (size_t h = 0; h < dilations.size(); ++h) {
      table += fmt::format("{0}self.band_block_table(nq, block, {1}, {1})", h > 0 ? ", " : "",
                           w * dilations[h]);
    }
    table += "])";
    allows = fmt::format("((i - j).abs() <= {} * d) & ((i - j).remainder(d) == 0)", w);
  }
  return {fmt::format(R"JIT(
def pattern(self, n: int) -> Tuple[int, Tensor, Tensor, int, Tensor]:
    block = self.kernel_block_size({block}, {reach}, n)
    nq = (n + block - 1) // block
    table = {table}
    return block, table[0], table[1], 0, self.first_positions(n, {globals})

def allows(self, head: Tensor, i: Tensor, j: Tensor) -> Tensor:
    d = self.dilation.index_select(0, head.flatten()).view(head.size())
    return {allows}
)JIT",
                      fmt::arg("block", options.block_size()), fmt::arg("reach", w * widest),
                      fmt::arg("table", table), fmt::arg("globals", options.globals()),
                      fmt::arg("allows", allows)),
          {{"dilation", torch::tensor(dilations, torch::kLong)}}};
}

}  // namespace attnzoo
