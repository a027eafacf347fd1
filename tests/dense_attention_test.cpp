// The dense attention family: the textbook computation by hand, equality with LibTorch's own
// MultiheadAttention, permutation equivariance, padding, gradients and float64.

#include <cmath>

#include "models/attention/multi_head_attention.h"
#include "models/attention/self_attention.h"
#include "models/positional_encoding.h"
#include "models/registry.h"
#include "tests/test_util.h"

namespace attnzoo {
namespace {

using testing::lengths_to_mask;
using testing::max_abs_diff;

// Three tokens a1 = (1, 0), a2 = (0, 1), a3 = (1, 1) with
//   W^q = [[1, 0], [0, 1]],  W^k = [[1, 0], [0, 2]],  W^v = [[1, 1], [0, 1]].
SelfAttention textbook_layer(Score score, Normalization normalization) {
  SelfAttention layer(
      SelfAttentionOptions(2).score(score).normalization(normalization).additive_dim(2));
  torch::NoGradGuard no_grad;
  layer->query->weight.copy_(torch::tensor({{1.0, 0.0}, {0.0, 1.0}}));
  layer->key->weight.copy_(torch::tensor({{1.0, 0.0}, {0.0, 2.0}}));
  layer->value->weight.copy_(torch::tensor({{1.0, 1.0}, {0.0, 1.0}}));
  return layer;
}

torch::Tensor textbook_input() {
  return torch::tensor({{{1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}}});
}

TEST(DenseAttention, TextbookThreeTokensByHand) {
  auto layer = textbook_layer(Score::kDot, Normalization::kSoftmax);
  auto a = textbook_input();
  // q1 = W^q a1 = (1, 0); k1 = (1, 0), k2 = W^k a2 = (0, 2), k3 = (1, 2).
  EXPECT_TENSOR_NEAR(layer->query(a)[0][0], torch::tensor({1.0, 0.0}), 1e-7);
  EXPECT_TENSOR_NEAR(layer->key(a)[0], torch::tensor({{1.0, 0.0}, {0.0, 2.0}, {1.0, 2.0}}), 1e-7);
  // v1 = W^v a1 = (1, 0), v2 = (1, 1), v3 = (2, 1).
  EXPECT_TENSOR_NEAR(layer->value(a)[0], torch::tensor({{1.0, 0.0}, {1.0, 1.0}, {2.0, 1.0}}), 1e-7);
  // alpha_1i = q1 . k_i / sqrt(2) = (1, 0, 1) / sqrt(2) = (0.7071068, 0, 0.7071068)
  // softmax: e^0.7071068 = 2.0281150, sum = 2 * 2.0281150 + 1 = 5.0562300
  //   alpha'_1 = (2.0281150 / 5.0562300, 1 / 5.0562300, 2.0281150 / 5.0562300)
  //            = (0.4011121, 0.1977758, 0.4011121)
  // b1 = 0.4011121 (1, 0) + 0.1977758 (1, 1) + 0.4011121 (2, 1) = (1.4011121, 0.5988879)
  auto result = layer->forward(a, {}, /*need_weights=*/true);
  EXPECT_TENSOR_NEAR(result.weights[0][0][0], torch::tensor({0.4011121, 0.1977758, 0.4011121}),
                     1e-6);
  EXPECT_TENSOR_NEAR(result.output[0][0], torch::tensor({1.4011121, 0.5988879}), 1e-6);
  EXPECT_NEAR(result.weights[0][0].sum(-1)[1].item<double>(), 1.0, 1e-6);
}

TEST(DenseAttention, TextbookReluByHand) {
  auto layer = textbook_layer(Score::kDot, Normalization::kRelu);
  // Query 1 scores (0.7071068, 0, 0.7071068): relu keeps them, divided by the 3 keys it sees:
  // alpha' = (0.2357023, 0, 0.2357023); b1 = 0.2357023 (1, 0) + 0.2357023 (2, 1)
  //        = (0.7071068, 0.2357023).
  auto result = layer->forward(textbook_input(), {}, true);
  EXPECT_TENSOR_NEAR(result.weights[0][0][0], torch::tensor({0.2357023, 0.0, 0.2357023}), 1e-6);
  EXPECT_TENSOR_NEAR(result.output[0][0], torch::tensor({0.7071068, 0.2357023}), 1e-6);
  // Query 2: q2 = (0, 1); scores (0, 2, 2) / sqrt(2) = (0, 1.4142136, 1.4142136) -> / 3.
  EXPECT_TENSOR_NEAR(result.weights[0][0][1], torch::tensor({0.0, 0.4714045, 0.4714045}), 1e-6);
}

TEST(DenseAttention, TextbookAdditiveByHand) {
  auto layer = textbook_layer(Score::kAdditive, Normalization::kSoftmax);
  {
    // W1 = I with bias 0, W2 = I, v = (1, -1): s_1i = tanh(q1_0 + k_i0) - tanh(q1_1 + k_i1).
    torch::NoGradGuard no_grad;
    layer->score->w_query->weight.copy_(torch::eye(2));
    layer->score->w_query->bias.zero_();
    layer->score->w_key->weight.copy_(torch::eye(2));
    layer->score->v.copy_(torch::tensor({1.0, -1.0}));
  }
  // q1 = (1, 0); k = (1, 0), (0, 2), (1, 2):
  //   s_11 = tanh(2) - tanh(0) = 0.9640276
  //   s_12 = tanh(1) - tanh(2) = 0.7615942 - 0.9640276 = -0.2024334
  //   s_13 = tanh(2) - tanh(2) = 0
  // softmax: e^0.9640276 = 2.6222365, e^-0.2024334 = 0.8167409, e^0 = 1 -> sum 4.4389774
  //   alpha' = (0.5907299, 0.1839930, 0.2252771)
  auto result = layer->forward(textbook_input(), {}, true);
  EXPECT_TENSOR_NEAR(result.weights[0][0][0], torch::tensor({0.5907299, 0.1839930, 0.2252771}),
                     1e-6);
}

TEST(DenseAttention, MultiHeadMatchesLibTorch) {
  torch::manual_seed(1);
  const int64_t d = 16, heads = 4, n = 7, batch = 3;
  MultiHeadAttention ours(MultiHeadAttentionOptions(d, heads));
  torch::nn::MultiheadAttention theirs(torch::nn::MultiheadAttentionOptions(d, heads));
  {
    torch::NoGradGuard no_grad;
    theirs->in_proj_weight.copy_(
        torch::cat({ours->query->weight, ours->key->weight, ours->value->weight}));
    theirs->in_proj_bias.copy_(torch::cat({ours->query->bias, ours->key->bias, ours->value->bias}));
    theirs->out_proj->weight.copy_(ours->output->weight);
    theirs->out_proj->bias.copy_(ours->output->bias);
  }
  auto x = torch::randn({batch, n, d});
  auto xt = x.transpose(0, 1);  // LibTorch's layer is sequence-first: [n, B, d]
  {
    auto [expected, expected_weights] = theirs->forward(xt, xt, xt);
    auto result = ours->forward(x, {}, true);
    EXPECT_TENSOR_NEAR(result.output, expected.transpose(0, 1), 1e-5);
    // LibTorch averages the weights over heads.
    EXPECT_TENSOR_NEAR(result.weights.mean(1), expected_weights, 1e-5);
  }
  {
    auto mask = lengths_to_mask({7, 4, 1}, n);
    auto [expected, expected_weights] = theirs->forward(xt, xt, xt, /*key_padding_mask=*/~mask);
    auto result = ours->forward(x, mask, true);
    EXPECT_TENSOR_NEAR(result.output, expected.transpose(0, 1), 1e-5);
    EXPECT_TENSOR_NEAR(result.weights.mean(1), expected_weights, 1e-5);
  }
}

// Every dense variant in every scoring and normalisation.
std::vector<AttentionConfig> dense_configs() {
  std::vector<AttentionConfig> configs;
  for (const char* name : {"vanilla", "multihead"}) {
    for (Score score : {Score::kDot, Score::kAdditive}) {
      for (Normalization normalization : {Normalization::kSoftmax, Normalization::kRelu}) {
        AttentionConfig c;
        c.name = name;
        c.d_model = 12;
        c.heads = 3;
        c.score = score;
        c.normalization = normalization;
        configs.push_back(c);
      }
    }
  }
  return configs;
}

std::string describe(const AttentionConfig& c) {
  return c.name + "/" + to_string(c.score) + "/" + to_string(c.normalization);
}

TEST(DenseAttention, PermutationEquivariantWithoutPositionalEncoding) {
  torch::manual_seed(2);
  const int64_t n = 6;
  auto perm = torch::tensor({3, 0, 5, 1, 4, 2});
  for (const auto& config : dense_configs()) {
    auto layer = make_attention(config);
    PositionalEncoding none(PositionalEncodingOptions(config.d_model).kind(PositionalKind::kNone));
    PositionalEncoding sinusoidal(PositionalEncodingOptions(config.d_model));
    auto x = torch::randn({2, n, config.d_model});
    auto px = x.index_select(1, perm);
    auto y = layer->forward(none(x)).output;
    auto py = layer->forward(none(px)).output;
    EXPECT_LE(max_abs_diff(py, y.index_select(1, perm)), 1e-5) << describe(config);
    auto ys = layer->forward(sinusoidal(x)).output;
    auto pys = layer->forward(sinusoidal(px)).output;
    EXPECT_GT(max_abs_diff(pys, ys.index_select(1, perm)), 1e-3) << describe(config);
  }
}

TEST(DenseAttention, PaddedPositionsDoNotChangeRealOutputs) {
  torch::manual_seed(3);
  const int64_t n = 9;
  const std::vector<int64_t> lengths = {9, 5, 2};
  auto mask = lengths_to_mask(lengths, n);
  for (const auto& config : dense_configs()) {
    auto layer = make_attention(config);
    auto x = torch::randn({3, n, config.d_model});
    auto noise = torch::randn_like(x) * 100.0 * (~mask).unsqueeze(-1);
    auto y = layer->forward(x, mask).output;
    auto y_noisy = layer->forward(x + noise, mask).output;
    for (size_t b = 0; b < lengths.size(); ++b) {
      EXPECT_LE(max_abs_diff(y[b].narrow(0, 0, lengths[b]), y_noisy[b].narrow(0, 0, lengths[b])),
                1e-5)
          << describe(config) << " example " << b;
    }
    // The change does reach padded positions, so the check above is not vacuous.
    EXPECT_GT(max_abs_diff(y, y_noisy), 1e-3) << describe(config);
  }
}

TEST(DenseAttention, QueryWithNoKeyGivesZeroNotNaN) {
  torch::manual_seed(4);
  for (const auto& config : dense_configs()) {
    auto layer = make_attention(config);
    auto x = torch::randn({2, 4, config.d_model}, torch::requires_grad());
    auto mask = lengths_to_mask({4, 0}, 4);
    auto result = layer->forward(x, mask, true);
    EXPECT_FALSE(result.output.isnan().any().item<bool>()) << describe(config);
    EXPECT_EQ(result.weights[1].abs().sum().item<double>(), 0.0) << describe(config);
    result.output.sum().backward();
    EXPECT_FALSE(x.grad().isnan().any().item<bool>()) << describe(config);
  }
}

TEST(DenseAttention, GradientsReachEveryParameterInFloat64) {
  torch::manual_seed(5);
  for (const auto& config : dense_configs()) {
    auto layer = make_attention(config);
    layer->to(torch::kFloat64);
    auto x =
        torch::randn({2, 5, config.d_model}, torch::dtype(torch::kFloat64).requires_grad(true));
    auto result = layer->forward(x, lengths_to_mask({5, 3}, 5));
    EXPECT_EQ(result.output.scalar_type(), torch::kFloat64);
    (result.output * torch::randn_like(result.output)).sum().backward();
    EXPECT_GT(x.grad().abs().sum().item<double>(), 0.0) << describe(config);
    for (const auto& p : layer->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << describe(config) << " " << p.key();
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0)
          << describe(config) << " " << p.key();
    }
  }
}

TEST(DenseAttention, GradientMatchesFiniteDifferencesInFloat64) {
  torch::manual_seed(6);
  for (const auto& config : dense_configs()) {
    auto layer = make_attention(config);
    layer->to(torch::kFloat64);
    auto x = torch::randn({1, 4, config.d_model}, torch::kFloat64);
    auto probe = torch::randn({1, 4, config.d_model}, torch::kFloat64);
    auto loss = [&](const torch::Tensor& input) {
      return (layer->forward(input).output * probe).sum();
    };
    auto xg = x.clone().requires_grad_(true);
    loss(xg).backward();
    // Central difference along one random direction.
    auto direction = torch::randn_like(x);
    const double eps = 1e-6;
    torch::NoGradGuard no_grad;
    double numeric =
        (loss(x + eps * direction) - loss(x - eps * direction)).item<double>() / (2 * eps);
    double analytic = (xg.grad() * direction).sum().item<double>();
    EXPECT_NEAR(numeric, analytic, 1e-6 * std::max(1.0, std::abs(analytic))) << describe(config);
  }
}

TEST(DenseAttention, RegistryKnowsDenseNamesAndRejectsUnknown) {
  AttentionConfig c;
  c.name = "vanilla";
  EXPECT_NE(make_attention(c), nullptr);
  c.name = "multihead";
  EXPECT_NE(make_attention(c), nullptr);
  c.name = "no-such-attention";
  try {
    make_attention(c);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-attention"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("multihead"), std::string::npos);
  }
}

}  // namespace
}  // namespace attnzoo
