// Linear attention: the kernel (non-causal, and causal a chunk at a time) against the dense oracle
// that forms the n x n matrix of phi(q_i) . phi(k_j) explicitly, for outputs and gradients in
// float64 and float32, with padding, batches, lengths that are not chunk multiples; causality;
// the exported TorchScript module against the C++ layer.

#include <cmath>

#include <torch/script.h>

#include "models/attention/linear_attention.h"
#include "models/registry.h"
#include "models/torchscript/attention_script.h"
#include "tests/test_util.h"

namespace attnzoo {
namespace {

using testing::lengths_to_mask;
using testing::max_abs_diff;

struct Inputs {
  torch::Tensor q, k, v, mask;
};

Inputs random_inputs(int64_t batch, int64_t n, torch::ScalarType dtype, bool padded) {
  auto options = torch::TensorOptions().dtype(dtype).requires_grad(true);
  Inputs in{torch::randn({batch, 2, n, 5}, options),
            torch::randn({batch, 2, n, 5}, options),
            torch::randn({batch, 2, n, 3}, options),
            {}};
  if (padded) {
    std::vector<int64_t> lengths;
    for (int64_t b = 0; b < batch; ++b)
      lengths.push_back(std::max<int64_t>(1, n - 3 * b));
    in.mask = lengths_to_mask(lengths, n);
  }
  return in;
}

// The kernel's output and its gradients against the oracle's, for one loss over all outputs.
void expect_matches_oracle(const Inputs& in, bool causal, int64_t chunk, double tolerance,
                           const std::string& what) {
  auto out = linear_attention(in.q, in.k, in.v, in.mask, causal, chunk);
  auto expected = dense_linear_attention(in.q, in.k, in.v, in.mask, causal).first;
  ASSERT_EQ(out.sizes(), expected.sizes()) << what;
  EXPECT_LE(max_abs_diff(out, expected), tolerance) << what;
  auto weight = torch::randn_like(out);
  auto grads = torch::autograd::grad({(out * weight).sum()}, {in.q, in.k, in.v});
  auto expected_grads = torch::autograd::grad({(expected * weight).sum()}, {in.q, in.k, in.v});
  for (size_t i = 0; i < grads.size(); ++i)
    EXPECT_LE(max_abs_diff(grads[i], expected_grads[i]), tolerance) << what << " grad " << i;
}

TEST(LinearAttention, FeatureMapIsEluPlusOne) {
  auto x = torch::tensor({-2.0, -0.5, 0.0, 1.5}, torch::kDouble);
  auto expected = torch::tensor({std::exp(-2.0), std::exp(-0.5), 1.0, 2.5}, torch::kDouble);
  EXPECT_TENSOR_NEAR(linear_feature_map(x), expected, 1e-15);
}

TEST(LinearAttention, OracleIsTheNormalisedKernelMatrix) {
  // One query, two keys: the weights are phi(q) . phi(k_j) over their sum, by hand.
  auto q = torch::tensor({0.5, -1.0}, torch::kDouble).view({1, 1, 1, 2});
  auto k = torch::tensor({{1.0, 0.0}, {-1.0, 2.0}}, torch::kDouble).view({1, 1, 2, 2});
  auto v = torch::tensor({{1.0}, {3.0}}, torch::kDouble).view({1, 1, 2, 1});
  auto q2 = q.repeat({1, 1, 2, 1});  // two equal queries, for the causal form
  const double fq0 = 1.5, fq1 = std::exp(-1.0);
  const double s1 = fq0 * 2.0 + fq1 * 1.0, s2 = fq0 * std::exp(-1.0) + fq1 * 3.0;
  auto [out, weights] = dense_linear_attention(q2, k, v, {}, /*causal=*/false);
  EXPECT_NEAR(weights[0][0][0][0].item<double>(), s1 / (s1 + s2), 1e-12);
  EXPECT_NEAR(out[0][0][0][0].item<double>(), (s1 * 1.0 + s2 * 3.0) / (s1 + s2), 1e-12);
  auto causal = dense_linear_attention(q2, k, v, {}, /*causal=*/true);
  EXPECT_NEAR(causal.first[0][0][0][0].item<double>(), 1.0, 1e-12);  // sees only key 0
  EXPECT_NEAR(causal.first[0][0][1][0].item<double>(), out[0][0][1][0].item<double>(), 1e-12);
}

TEST(LinearAttention, KernelMatchesTheDenseOracleInFloat64) {
  torch::manual_seed(0);
  for (int64_t n : {1, 2, 7, 16, 23, 65}) {
    for (bool padded : {false, true}) {
      auto in = random_inputs(3, n, torch::kDouble, padded);
      expect_matches_oracle(in, false, 64, 1e-10, "non-causal n=" + std::to_string(n));
      for (int64_t chunk : {1, 4, 7, 16, 64, 200}) {
        expect_matches_oracle(in, true, chunk, 1e-10,
                              "causal n=" + std::to_string(n) + " chunk=" + std::to_string(chunk) +
                                  (padded ? " padded" : ""));
      }
    }
  }
}

TEST(LinearAttention, KernelMatchesTheDenseOracleInFloat32) {
  torch::manual_seed(1);
  for (int64_t n : {5, 33, 64}) {
    auto in = random_inputs(2, n, torch::kFloat, true);
    expect_matches_oracle(in, false, 64, 1e-5, "non-causal n=" + std::to_string(n));
    for (int64_t chunk : {3, 16})
      expect_matches_oracle(in, true, chunk, 1e-5, "causal n=" + std::to_string(n));
  }
}

TEST(LinearAttention, PaddedKeysAreIgnoredAndAQueryWithoutKeysGetsZeros) {
  torch::manual_seed(2);
  auto in = random_inputs(2, 9, torch::kDouble, false);
  auto mask = lengths_to_mask({6, 9}, 9);
  auto out = linear_attention(in.q, in.k, in.v, mask, false, 4);
  // Changing the padded keys and values of example 0 changes none of its outputs.
  auto k2 = in.k.detach().clone(), v2 = in.v.detach().clone();
  k2.narrow(2, 6, 3).normal_();
  v2.narrow(2, 6, 3).normal_();
  for (bool causal : {false, true}) {
    auto a = linear_attention(in.q, in.k, in.v, mask, causal, 4);
    auto b = linear_attention(in.q, k2, v2, mask, causal, 4);
    EXPECT_LE(max_abs_diff(a[0], b[0]), 1e-12) << causal;
  }
  // Every key padded: zeros, finite gradients.
  auto none = torch::zeros({2, 9}, torch::kBool);
  for (bool causal : {false, true}) {
    auto empty = linear_attention(in.q, in.k, in.v, none, causal, 4);
    EXPECT_EQ(empty.abs().max().item<double>(), 0.0);
    auto grads = torch::autograd::grad({empty.sum()}, {in.q, in.k, in.v});
    for (const auto& g : grads)
      EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
  }
}

TEST(LinearAttention, CausalOutputsDoNotDependOnLaterTokens) {
  torch::manual_seed(3);
  LinearAttention layer(LinearAttentionOptions(8, 2).causal(true).chunk(3));
  layer->eval();
  auto x = torch::randn({2, 11, 8});
  auto changed = x.clone();
  changed.narrow(1, 7, 4).normal_();
  auto a = layer->forward(x).output, b = layer->forward(changed).output;
  EXPECT_LE(max_abs_diff(a.narrow(1, 0, 7), b.narrow(1, 0, 7)), 1e-6);
  EXPECT_GT(max_abs_diff(a.narrow(1, 7, 4), b.narrow(1, 7, 4)), 1e-3);
}

TEST(LinearAttention, LayerMatchesItsDenseFormWithParameterGradients) {
  torch::manual_seed(4);
  for (bool causal : {false, true}) {
    LinearAttention layer(LinearAttentionOptions(12, 3).causal(causal).chunk(5));
    layer->to(torch::kDouble);
    auto x = torch::randn({3, 13, 12}, torch::kDouble);
    auto mask = lengths_to_mask({13, 8, 1}, 13);
    auto result = layer->forward(x, mask, /*need_weights=*/true);
    auto dense = layer->dense_forward(x, mask);
    EXPECT_LE(max_abs_diff(result.output, dense.output), 1e-10) << causal;
    EXPECT_LE(max_abs_diff(result.weights, dense.weights), 1e-12) << causal;
    auto params = layer->parameters();
    auto grads = torch::autograd::grad({result.output.pow(2).sum()}, params);
    auto expected = torch::autograd::grad({dense.output.pow(2).sum()}, params);
    for (size_t i = 0; i < params.size(); ++i)
      EXPECT_LE(max_abs_diff(grads[i], expected[i]), 1e-10) << causal << " parameter " << i;
  }
}

TEST(LinearAttention, RegistryBuildsItAndRefusesScoresItDoesNotUse) {
  AttentionConfig config;
  config.name = "linear";
  config.d_model = 8;
  config.heads = 2;
  config.causal = true;
  config.linear_chunk = 3;
  auto layer = std::dynamic_pointer_cast<LinearAttentionImpl>(make_attention(config));
  ASSERT_TRUE(layer);
  EXPECT_TRUE(layer->linear_options.causal());
  EXPECT_EQ(layer->linear_options.chunk(), 3);
  config.score = Score::kAdditive;
  EXPECT_TRUE(testing::contains(testing::message_of([&] { make_attention(config); }),
                                "--score and --normalization do not apply"));
}

TEST(LinearAttention, ExportedModuleMatchesTheLayerAtAnyLength) {
  torch::manual_seed(5);
  torch::NoGradGuard no_grad;
  auto unit = std::make_shared<torch::jit::CompilationUnit>();
  for (bool causal : {false, true}) {
    LinearAttention layer(LinearAttentionOptions(8, 2).causal(causal).chunk(4));
    layer->eval();
    auto module = script_attention(*layer, "Linear", unit);
    for (int64_t n : {1, 4, 10, 37}) {
      auto x = torch::randn({3, n, 8});
      auto mask = lengths_to_mask({n, std::max<int64_t>(1, n / 2), 1}, n);
      auto expected = layer->forward(x, mask).output;
      auto out = module.forward({x, mask}).toTensor();
      EXPECT_LE(max_abs_diff(out, expected), 1e-5) << "causal " << causal << " n=" << n;
    }
  }
}

}  // namespace
}  // namespace attnzoo
