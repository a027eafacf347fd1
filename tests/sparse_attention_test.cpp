// The sparse attention family: each pattern's dense mask has exactly the pairs of the variant's
// definition (checked pair by pair), and the blocked kernel gives the same outputs, weights and
// gradients as the dense masked oracle, in float32 and float64, with padding and batches.

#include <functional>
#include <set>

#include "models/attention/bigbird_attention.h"
#include "models/attention/longformer_attention.h"
#include "models/attention/sparse_attention.h"
#include "models/registry.h"
#include "tests/test_util.h"

namespace attnzoo {
namespace {

using testing::lengths_to_mask;
using testing::max_abs_diff;

// A sparse variant's configuration and, for the pattern tests, its definition pair by pair.
struct Case {
  std::string label;
  AttentionConfig config;
  std::function<bool(int64_t head, int64_t i, int64_t j)> allows;
};

AttentionConfig base(const std::string& name) {
  AttentionConfig c;
  c.name = name;
  c.d_model = 12;
  c.heads = 3;
  return c;
}

int64_t diff(int64_t i, int64_t j) {
  return i > j ? i - j : j - i;
}

std::vector<Case> truncated_cases() {
  std::vector<Case> cases;
  for (auto [left, right, block] : std::vector<std::array<int64_t, 3>>{
           {3, 0, 4}, {2, 5, 0}, {0, 0, 3}, {7, 2, 5}, {40, 1, 0}}) {
    auto c = base("truncated");
    c.truncate_left = left;
    c.truncate_right = right;
    c.kernel_block = block;
    cases.push_back({"truncated L" + std::to_string(left) + " R" + std::to_string(right) + " b" +
                         std::to_string(block),
                     c, [left = left, right = right](int64_t, int64_t i, int64_t j) {
                       return j >= i - left && j <= i + right;
                     }});
  }
  return cases;
}

std::vector<Case> local_cases() {
  std::vector<Case> cases;
  for (auto [window, block] :
       std::vector<std::array<int64_t, 2>>{{0, 4}, {2, 4}, {5, 0}, {3, 7}, {50, 0}}) {
    auto c = base("local");
    c.window = window;
    c.kernel_block = block;
    cases.push_back(
        {"local w" + std::to_string(window) + " b" + std::to_string(block), c,
         [window = window](int64_t, int64_t i, int64_t j) { return diff(i, j) <= window; }});
  }
  return cases;
}

std::vector<Case> stride_cases() {
  std::vector<Case> cases;
  for (auto [stride, window, block] : std::vector<std::array<int64_t, 3>>{
           {4, -1, 0}, {3, 2, 4}, {5, 1, 0}, {40, 3, 0}, {6, 7, 3}}) {
    auto c = base("stride");
    c.stride = stride;
    c.window = window;
    c.kernel_block = block;
    cases.push_back({"stride s" + std::to_string(stride) + " w" + std::to_string(window) + " b" +
                         std::to_string(block),
                     c, [stride = stride, window = window](int64_t, int64_t i, int64_t j) {
                       return (i - j) % stride == 0 || diff(i, j) <= window;
                     }});
  }
  return cases;
}

std::vector<Case> global_cases() {
  std::vector<Case> cases;
  for (int64_t globals : {1, 3, 0}) {
    auto c = base("global");
    c.globals = globals;
    cases.push_back(
        {"global g" + std::to_string(globals), c,
         [globals](int64_t, int64_t i, int64_t j) { return i < globals || j < globals; }});
  }
  return cases;
}

std::vector<Case> longformer_cases() {
  struct Setting {
    int64_t window, globals, block;
    std::vector<int64_t> dilation;
  };
  std::vector<Case> cases;
  for (const auto& s : std::vector<Setting>{{2, 1, 0, {}},
                                            {3, 2, 0, {1, 2, 3}},
                                            {1, 0, 0, {2}},
                                            {4, 1, 5, {}},
                                            {2, 3, 4, {3, 1, 2}}}) {
    auto c = base("longformer");
    c.window = s.window;
    c.globals = s.globals;
    c.kernel_block = s.block;
    c.dilation = s.dilation;
    std::vector<int64_t> d = s.dilation;
    if (d.empty())
      d = {1};
    if (d.size() == 1)
      d.assign(c.heads, d[0]);
    std::string label = "longformer w" + std::to_string(s.window) + " g" +
                        std::to_string(s.globals) + " b" + std::to_string(s.block) + " dil";
    for (auto v : d)
      label += " " + std::to_string(v);
    cases.push_back({label, c, [d, w = s.window, g = s.globals](int64_t h, int64_t i, int64_t j) {
                       const bool window = (i - j) % d[h] == 0 && diff(i, j) <= w * d[h];
                       return window || i < g || j < g;
                     }});
  }
  return cases;
}

// BigBird's random blocks come from the pattern itself (they are random); the test checks that
// the dense mask is exactly window + global + those random blocks, and, in BigBirdRandomBlocks
// below, that the random blocks are what they should be.
std::vector<Case> bigbird_cases() {
  std::vector<Case> cases;
  for (auto [block, window_blocks, global_blocks, random_blocks] :
       std::vector<std::array<int64_t, 4>>{
           {4, 3, 2, 1}, {3, 1, 1, 2}, {5, 3, 0, 3}, {2, 5, 3, 2}}) {
    auto c = base("bigbird");
    c.block_size = block;
    c.window_blocks = window_blocks;
    c.global_blocks = global_blocks;
    c.random_blocks = random_blocks;
    c.pattern_seed = 7;
    cases.push_back({"bigbird b" + std::to_string(block) + " wb" + std::to_string(window_blocks) +
                         " g" + std::to_string(global_blocks) + " r" +
                         std::to_string(random_blocks),
                     c, nullptr});
  }
  return cases;
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (auto group : {truncated_cases(), local_cases(), stride_cases(), global_cases(),
                     longformer_cases(), bigbird_cases()}) {
    cases.insert(cases.end(), group.begin(), group.end());
  }
  return cases;
}

std::shared_ptr<SparseAttentionImpl> make_sparse(const AttentionConfig& config) {
  auto layer = std::dynamic_pointer_cast<SparseAttentionImpl>(make_attention(config));
  EXPECT_NE(layer, nullptr) << config.name << " is not a sparse attention";
  return layer;
}

// Random blocks of a BigBird pattern: for each (head, query block), the table's key blocks outside
// the window.
std::vector<std::vector<std::set<int64_t>>> bigbird_random_blocks(const SparsePattern& p,
                                                                  int64_t half_window) {
  std::vector<std::vector<std::set<int64_t>>> random(
      p.table_heads(), std::vector<std::set<int64_t>>(p.query_blocks()));
  for (int64_t h = 0; h < p.table_heads(); ++h) {
    for (int64_t q = 0; q < p.query_blocks(); ++q) {
      for (int64_t k = 0; k < p.key_blocks.size(2); ++k) {
        const int64_t key = p.key_blocks[h][q][k].item<int64_t>();
        if (p.key_valid[h][q][k].item<bool>() && diff(key, q) > half_window) {
          random[h][q].insert(key);
        }
      }
    }
  }
  return random;
}

// The dense mask of `layer` at length n against `allows`, pair by pair. `extra_globals` [n] adds
// per-example global positions (one example).
void expect_mask_matches(const SparseAttentionImpl& layer, const std::string& label, int64_t n,
                         const std::function<bool(int64_t, int64_t, int64_t)>& allows,
                         const std::vector<bool>& extra_globals = {}) {
  auto pattern = layer.pattern(n);
  torch::Tensor global_mask;
  if (!extra_globals.empty()) {
    global_mask = torch::zeros({1, n}, torch::kBool);
    for (int64_t i = 0; i < n; ++i)
      global_mask[0][i] = static_cast<bool>(extra_globals[i]);
  }
  auto mask = pattern.dense_mask(global_mask)[0];
  const int64_t heads = layer.MultiHeadAttentionImpl::options.heads();
  ASSERT_TRUE(mask.size(0) == 1 || mask.size(0) == heads) << label;
  ASSERT_EQ(mask.size(1), n);
  ASSERT_EQ(mask.size(2), n);
  auto m = mask.accessor<bool, 3>();
  int64_t mismatches = 0;
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        bool expected = allows(h, i, j);
        if (!extra_globals.empty())
          expected = expected || extra_globals[i] || extra_globals[j];
        const bool got = m[mask.size(0) == 1 ? 0 : h][i][j];
        if (got != expected && ++mismatches <= 3) {
          ADD_FAILURE() << label << " n=" << n << " head " << h << " pair (" << i << ", " << j
                        << "): mask says " << got << ", definition says " << expected;
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << label << " n=" << n;
}

TEST(SparsePattern, DenseMaskHasExactlyTheDefinedPairs) {
  for (const auto& c : all_cases()) {
    if (c.config.name == "bigbird")
      continue;  // BigBirdDenseMask below
    auto layer = make_sparse(c.config);
    for (int64_t n : {1, 7, 16, 23, 41})
      expect_mask_matches(*layer, c.label, n, c.allows);
  }
}

TEST(SparsePattern, PerExampleGlobalsAddRowsAndColumns) {
  std::vector<bool> extra(19, false);
  extra[4] = extra[11] = extra[18] = true;
  for (const auto& c : all_cases()) {
    if (c.config.name == "bigbird")
      continue;
    auto layer = make_sparse(c.config);
    expect_mask_matches(*layer, c.label + " +globals", 19, c.allows, extra);
  }
}

TEST(SparsePattern, BigBirdDenseMaskIsWindowGlobalAndRandomBlocks) {
  for (const auto& c : bigbird_cases()) {
    auto layer = make_sparse(c.config);
    const int64_t b = c.config.block_size, half = c.config.window_blocks / 2;
    for (int64_t n : {1, 9, 16, 29, 40}) {
      const int64_t blocks = (n + b - 1) / b;
      auto global =
          std::dynamic_pointer_cast<BigBirdAttentionImpl>(layer)->global_block_flags(blocks);
      // The global blocks are the first ceil(g / 2) and the last floor(g / 2) blocks.
      for (int64_t k = 0; k < blocks; ++k) {
        const bool expected =
            k < (c.config.global_blocks + 1) / 2 || k >= blocks - c.config.global_blocks / 2;
        EXPECT_EQ(global[k], expected) << c.label << " n=" << n << " block " << k;
      }
      auto random = bigbird_random_blocks(layer->pattern(n), half);
      auto allows = [&](int64_t h, int64_t i, int64_t j) {
        const int64_t bi = i / b, bj = j / b;
        return global[bi] || global[bj] || diff(bi, bj) <= half || random[h][bi].count(bj) > 0;
      };
      expect_mask_matches(*layer, c.label, n, allows);
    }
  }
}

TEST(SparsePattern, BigBirdRandomBlocksAreOutsideWindowAndGlobalsAndSeeded) {
  for (const auto& c : bigbird_cases()) {
    auto layer = make_sparse(c.config);
    const int64_t b = c.config.block_size, half = c.config.window_blocks / 2, n = 23 * b;
    const int64_t blocks = 23;
    auto global =
        std::dynamic_pointer_cast<BigBirdAttentionImpl>(layer)->global_block_flags(blocks);
    auto pattern = layer->pattern(n);
    ASSERT_EQ(pattern.table_heads(), c.config.heads);
    auto random = bigbird_random_blocks(pattern, half);
    for (int64_t h = 0; h < c.config.heads; ++h) {
      for (int64_t q = 0; q < blocks; ++q) {
        if (global[q])
          continue;
        int64_t candidates = 0;
        for (int64_t k = 0; k < blocks; ++k)
          candidates += !global[k] && diff(k, q) > half;
        EXPECT_EQ(static_cast<int64_t>(random[h][q].size()),
                  std::min(c.config.random_blocks, candidates))
            << c.label << " head " << h << " block " << q;
        for (int64_t k : random[h][q])
          EXPECT_FALSE(global[k]) << c.label;
      }
    }
    // Same seed: same pattern, in every call and every layer; another seed: another pattern.
    auto again = make_sparse(c.config)->pattern(n);
    EXPECT_TRUE(torch::equal(again.key_blocks, pattern.key_blocks)) << c.label;
    auto other_config = c.config;
    other_config.pattern_seed = 8;
    if (c.config.random_blocks > 0) {
      EXPECT_FALSE(
          torch::equal(make_sparse(other_config)->pattern(n).key_blocks, pattern.key_blocks))
          << c.label;
      // The heads draw different random blocks.
      EXPECT_FALSE(torch::equal(pattern.key_blocks[0], pattern.key_blocks[1])) << c.label;
    }
  }
}

// The counter-hash draw spreads the random blocks over every candidate: over the heads and query
// blocks of a long sequence each non-global block is drawn, none far more often than the mean,
// and the drawn blocks lie near and far alike (not clustered next to the window).
TEST(SparsePattern, BigBirdRandomBlocksSpreadOverTheCandidates) {
  auto c = base("bigbird");
  c.heads = 4;
  c.block_size = 2;
  c.window_blocks = 3;
  c.global_blocks = 2;
  c.random_blocks = 3;
  const int64_t blocks = 96;
  auto layer = make_sparse(c);
  const auto global =
      std::dynamic_pointer_cast<BigBirdAttentionImpl>(layer)->global_block_flags(blocks);
  const auto random = bigbird_random_blocks(layer->pattern(blocks * c.block_size), 1);
  std::vector<int64_t> drawn(blocks, 0);
  int64_t total = 0, far = 0;
  for (int64_t h = 0; h < c.heads; ++h) {
    for (int64_t q = 0; q < blocks; ++q) {
      for (int64_t k : random[h][q]) {
        ++drawn[k];
        ++total;
        far += diff(k, q) > blocks / 4;
      }
    }
  }
  ASSERT_EQ(total, c.heads * (blocks - 2) * c.random_blocks);
  const double mean = static_cast<double>(total) / (blocks - 2);
  for (int64_t k = 0; k < blocks; ++k) {
    if (global[k]) {
      EXPECT_EQ(drawn[k], 0) << "block " << k;
      continue;
    }
    EXPECT_GT(drawn[k], 0) << "block " << k << " is never drawn";
    EXPECT_LE(drawn[k], 3 * mean) << "block " << k;
  }
  // Uniform draws put a key block more than a quarter of the sequence away about 56% of the time.
  EXPECT_GT(static_cast<double>(far) / total, 0.4);
  EXPECT_LT(static_cast<double>(far) / total, 0.7);
}

TEST(SparsePattern, BandTableListsExactlyTheNeededBlocks) {
  // Blocks of 4, 5 query blocks, keys i-5 .. i+2: block 0 (queries 0..3) needs keys 0..5 = blocks
  // 0, 1; block 2 (8..11) needs 3..13 = blocks 0..3; block 4 (16..19) needs 11..19 = blocks 2..4.
  auto [blocks, valid] = band_block_table(5, 4, 5, 2);
  ASSERT_EQ(blocks.sizes(), (std::vector<int64_t>{1, 5, 4}));
  EXPECT_TRUE(torch::equal(blocks[0][0].masked_select(valid[0][0]), torch::tensor({0, 1})));
  EXPECT_TRUE(torch::equal(blocks[0][2].masked_select(valid[0][2]), torch::tensor({0, 1, 2, 3})));
  EXPECT_TRUE(torch::equal(blocks[0][4].masked_select(valid[0][4]), torch::tensor({2, 3, 4})));
}

// --- The kernel against the dense oracle -----------------------------------------------------

struct Result {
  torch::Tensor output, weights;
  std::vector<torch::Tensor> grads;  // input, then every parameter
};

Result run(SparseAttentionImpl& layer, const torch::Tensor& x, const torch::Tensor& mask,
           const torch::Tensor& global_mask, const torch::Tensor& probe, bool dense,
           bool need_weights = true) {
  auto input = x.detach().clone().requires_grad_(true);
  auto out = dense ? layer.dense_forward(input, mask, global_mask, need_weights)
                   : layer.forward_with_globals(input, mask, global_mask, need_weights);
  std::vector<torch::Tensor> wrt = {input};
  for (const auto& p : layer.parameters())
    wrt.push_back(p);
  auto grads = torch::autograd::grad({(out.output * probe).sum()}, wrt, {}, /*retain_graph=*/false,
                                     /*create_graph=*/false, /*allow_unused=*/true);
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined())
      grads[i] = torch::zeros_like(wrt[i]);
  }
  return {out.output, out.weights, grads};
}

void expect_matches_oracle(SparseAttentionImpl& layer, const std::string& label, int64_t n,
                           torch::Dtype dtype, const torch::Tensor& global_mask = {}) {
  const double tolerance = dtype == torch::kFloat64 ? 1e-10 : 1e-5;
  const int64_t d = layer.MultiHeadAttentionImpl::options.d_model();
  auto x = torch::randn({3, n, d}, dtype);
  auto probe = torch::randn({3, n, d}, dtype);
  auto mask = lengths_to_mask({n, n - 6, 5}, n);
  auto sparse = run(layer, x, mask, global_mask, probe, /*dense=*/false);
  auto dense = run(layer, x, mask, global_mask, probe, /*dense=*/true);
  const std::string where = label + " n=" + std::to_string(n) + " " +
                            to_string(layer.MultiHeadAttentionImpl::options.normalization()) +
                            (dtype == torch::kFloat64 ? " float64" : " float32");
  EXPECT_FALSE(sparse.output.isnan().any().item<bool>()) << where;
  EXPECT_LE(max_abs_diff(sparse.output, dense.output), tolerance) << where << " output";
  EXPECT_LE(max_abs_diff(sparse.weights, dense.weights), tolerance) << where << " weights";
  ASSERT_EQ(sparse.grads.size(), dense.grads.size());
  // Without weights to return: the same output and gradients (the fused path, taken by long
  // sequences, is checked with small chunks in FusedChunksMatchDenseOracle).
  auto fused = run(layer, x, mask, global_mask, probe, /*dense=*/false, /*need_weights=*/false);
  EXPECT_FALSE(fused.weights.defined()) << where;
  EXPECT_LE(max_abs_diff(fused.output, dense.output), tolerance) << where << " output, no weights";
  auto names = layer.named_parameters().keys();
  for (size_t i = 0; i < sparse.grads.size(); ++i) {
    const auto name = i == 0 ? std::string("input") : names[i - 1];
    EXPECT_LE(max_abs_diff(sparse.grads[i], dense.grads[i]), tolerance)
        << where << " gradient of " << name;
    EXPECT_LE(max_abs_diff(fused.grads[i], dense.grads[i]), tolerance)
        << where << " gradient of " << name << ", no weights";
  }
  // Not vacuous: where the pattern allows any pair, the weights are not all zero.
  if (layer.pattern(n).dense_mask(global_mask).any().item<bool>()) {
    EXPECT_GT(dense.weights.abs().sum().item<double>(), 0.0) << where;
  }
}

TEST(SparseAttention, MatchesDenseOracleInFloat32AndFloat64) {
  torch::manual_seed(11);
  // Each normalization in each dtype, at two lengths (neither a multiple of the blocks).
  struct Run {
    Normalization normalization;
    torch::Dtype dtype;
    int64_t n;
  };
  const std::vector<Run> runs = {{Normalization::kSoftmax, torch::kFloat32, 23},
                                 {Normalization::kSoftmax, torch::kFloat64, 37},
                                 {Normalization::kRelu, torch::kFloat64, 23},
                                 {Normalization::kRelu, torch::kFloat32, 37}};
  for (auto c : all_cases()) {
    for (const auto& run : runs) {
      c.config.normalization = run.normalization;
      auto layer = make_sparse(c.config);
      layer->to(run.dtype);
      expect_matches_oracle(*layer, c.label, run.n, run.dtype);
    }
  }
}

TEST(SparseAttention, MatchesDenseOracleWithPerExampleGlobals) {
  torch::manual_seed(12);
  const int64_t n = 26;
  auto global_mask = torch::zeros({3, n}, torch::kBool);
  global_mask[0][3] = global_mask[0][20] = true;  // two extra globals
  global_mask[1][0] = true;                       // one, already global in some variants
  global_mask[2][7] = true;                       // one, beyond this example's 5 real tokens
  for (const auto& c : all_cases()) {
    auto layer = make_sparse(c.config);
    for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
      layer->to(dtype);
      expect_matches_oracle(*layer, c.label + " +globals", n, dtype, global_mask);
    }
  }
}

// The fused path splits the queries into chunks; with chunks of one block (and of a few), every
// variant's kernel still equals the oracle, with and without per-example globals.
TEST(SparseAttention, FusedChunksMatchDenseOracle) {
  torch::manual_seed(16);
  const int64_t batch = 3, heads = 3, n = 41, dim = 5;
  auto mask = lengths_to_mask({n, n - 9, 6}, n);
  auto extra_globals = torch::zeros({batch, n}, torch::kBool);
  extra_globals[0][17] = extra_globals[1][2] = true;
  for (const auto& c : all_cases()) {
    const auto pattern = make_sparse(c.config)->pattern(n);
    for (int64_t chunk : {1, 7}) {
      for (const auto& global_mask : {torch::Tensor(), extra_globals}) {
        std::vector<torch::Tensor> qkv;
        for (int i = 0; i < 3; ++i)
          qkv.push_back(torch::randn({batch, heads, n, dim}, torch::kFloat64).requires_grad_());
        auto probe = torch::randn({batch, heads, n, dim}, torch::kFloat64);
        SparseAttentionInputs in;
        in.q = qkv[0], in.k = qkv[1], in.v = qkv[2];
        in.key_mask = mask;
        in.global_mask = global_mask;
        in.chunk_queries = chunk;
        const std::string where = c.label + " chunk " + std::to_string(chunk) +
                                  (global_mask.defined() ? " +globals" : "");
        auto sparse = block_sparse_attention(pattern, in).first;
        auto dense = dense_pattern_attention(pattern, in).first;
        EXPECT_LE(max_abs_diff(sparse, dense), 1e-10) << where;
        if (!sparse.requires_grad())  // a pattern with no pair at all: constant zeros
          continue;
        auto sparse_grads = torch::autograd::grad({(sparse * probe).sum()}, qkv);
        auto dense_grads = torch::autograd::grad({(dense * probe).sum()}, qkv);
        for (int i = 0; i < 3; ++i)
          EXPECT_LE(max_abs_diff(sparse_grads[i], dense_grads[i]), 1e-10) << where << " grad " << i;
      }
    }
  }
}

TEST(SparseAttention, AdditiveScoresMatchDenseOracle) {
  torch::manual_seed(13);
  for (const auto& c :
       {local_cases()[1], stride_cases()[1], longformer_cases()[1], bigbird_cases()[0]}) {
    auto config = c.config;
    config.score = Score::kAdditive;
    auto layer = make_sparse(config);
    layer->to(torch::kFloat64);
    expect_matches_oracle(*layer, c.label + " additive", 21, torch::kFloat64);
  }
}

TEST(SparseAttention, QueryWithNoVisibleKeyGivesZeroNotNaN) {
  torch::manual_seed(14);
  // Local window 1 with 3 real tokens: queries 5.. see only padding. `global` without global
  // tokens: no query sees anything. An example with no real token at all.
  auto local = base("local");
  local.window = 1;
  local.kernel_block = 4;
  auto global = base("global");
  global.globals = 0;
  for (const auto& config : {local, global, base("longformer"), base("bigbird")}) {
    auto layer = make_sparse(config);
    const int64_t n = 10;
    auto x = torch::randn({2, n, 12}, torch::requires_grad());
    auto mask = lengths_to_mask({3, 0}, n);
    SparseAttentionInputs in;
    in.q = split_heads(layer->query(x), 3);
    in.k = split_heads(layer->key(x), 3);
    in.v = split_heads(layer->value(x), 3);
    in.key_mask = mask;
    auto [heads, weights] = block_sparse_attention(layer->pattern(n), in);
    // Example 1 has no real key: every query's output is zero.
    EXPECT_EQ(heads[1].abs().max().item<double>(), 0.0) << config.name;
    if (config.name == "local") {
      EXPECT_EQ(heads[0].narrow(1, 5, n - 5).abs().max().item<double>(), 0.0);
      EXPECT_GT(heads[0].narrow(1, 0, 4).abs().min().item<double>(), 0.0);
    }
    auto result = layer->forward(x, mask);
    EXPECT_FALSE(result.output.isnan().any().item<bool>()) << config.name;
    (result.output * torch::randn_like(result.output)).sum().backward();
    if (x.grad().defined()) {
      EXPECT_FALSE(x.grad().isnan().any().item<bool>()) << config.name;
    }
    for (const auto& p : layer->parameters()) {
      if (p.grad().defined()) {
        EXPECT_FALSE(p.grad().isnan().any().item<bool>()) << config.name;
      }
    }
  }
}

TEST(SparseAttention, RegistryBuildsEverySparseVariantWithReferenceDefaults) {
  torch::manual_seed(15);
  for (const char* name : {"truncated", "local", "stride", "global", "longformer", "bigbird"}) {
    AttentionConfig config;
    config.name = name;
    auto layer = make_attention(config);
    ASSERT_NE(std::dynamic_pointer_cast<SparseAttentionImpl>(layer), nullptr) << name;
    auto x = torch::randn({2, 300, config.d_model});
    auto out = layer->forward(x, lengths_to_mask({300, 130}, 300)).output;
    EXPECT_EQ(out.sizes(), x.sizes()) << name;
    EXPECT_FALSE(out.isnan().any().item<bool>()) << name;
    auto mask = attention_pattern(config, 64);
    EXPECT_EQ(mask.size(-1), 64) << name;
  }
  AttentionConfig dense;
  EXPECT_THROW(attention_pattern(dense, 8), std::invalid_argument);
}

TEST(SparseAttention, ReferenceConfigurationKeysPerQuery) {
  // local and longformer see 2 * 128 + 1 = 257 keys in the middle of a long sequence.
  for (const char* name : {"local", "longformer"}) {
    AttentionConfig config;
    config.name = name;
    auto mask = attention_pattern(config, 1024);
    EXPECT_EQ(mask[0][512].sum().item<int64_t>(), name == std::string("local") ? 257 : 258)
        << name;  // longformer: + the global token 0
  }
  AttentionConfig bigbird;
  bigbird.name = "bigbird";
  // Block 64: 3 window blocks + 3 random + 2 global = 8 blocks = 512 keys for a middle query.
  auto mask = attention_pattern(bigbird, 1024);
  EXPECT_EQ(mask[0][512].sum().item<int64_t>(), 8 * 64);
}

}  // namespace
}  // namespace attnzoo
