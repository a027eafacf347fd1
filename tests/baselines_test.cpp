// The CNN and LSTM baselines that stand in an encoder layer where attention would: each checked
// against a computation written out independently here, and for padding (a padded batch gives
// every real token what that sequence gives alone).

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/baselines/bilstm_mixer.h"
#include "models/baselines/convolution_mixer.h"
#include "models/registry.h"
#include "tests/test_util.h"

using namespace attnzoo;
using attnzoo::testing::lengths_to_mask;
using attnzoo::testing::max_abs_diff;

namespace {

// out[i] = bias + sum_o W[:, :, o] x[i + o - k/2], zero outside the sequence: [n, d] -> [n, d].
torch::Tensor convolve_by_offsets(const torch::Tensor& x, const torch::Tensor& w,
                                  const torch::Tensor& bias) {
  const int64_t n = x.size(0), k = w.size(2);
  auto out = bias.expand({n, bias.size(0)}).clone();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t o = 0; o < k; ++o) {
      const int64_t j = i + o - k / 2;
      if (j >= 0 && j < n)
        out[i] += torch::mv(w.select(2, o), x[j]);
    }
  }
  return out;
}

}  // namespace

TEST(Baselines, ConvolutionMixesNeighboursAndIgnoresPadding) {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  auto layer = ConvolutionMixer(ConvolutionMixerOptions(6).kernel_size(5));
  layer->to(torch::kDouble);
  auto x = torch::randn({3, 9, 6}, torch::kDouble);
  auto mask = lengths_to_mask({9, 4, 1}, 9);
  auto out = layer->forward(x, mask).output;
  for (int64_t b = 0; b < 3; ++b) {
    const int64_t length = mask[b].sum().item<int64_t>();
    auto alone = convolve_by_offsets(x[b].narrow(0, 0, length), layer->weight, layer->bias);
    EXPECT_LE(max_abs_diff(out[b].narrow(0, 0, length), alone), 1e-10) << "example " << b;
  }
  auto message = attnzoo::testing::message_of(
      [] { ConvolutionMixer(ConvolutionMixerOptions(6).kernel_size(4)); });
  EXPECT_TRUE(attnzoo::testing::contains(message, "kernel size must be odd")) << message;
}

TEST(Baselines, ConvolutionOverAnImageGridIsTwoDimensional) {
  torch::manual_seed(1);
  torch::NoGradGuard no_grad;
  const int64_t rows = 3, cols = 4, d = 5, k = 3;
  auto layer =
      ConvolutionMixer(ConvolutionMixerOptions(d).kernel_size(k).grid_width(cols).grid_offset(1));
  layer->to(torch::kDouble);
  auto x = torch::randn({2, 1 + rows * cols, d}, torch::kDouble);
  auto out = layer->forward(x).output;
  for (int64_t b = 0; b < 2; ++b) {
    // The [CLS] token sees only itself, through the centre tap.
    auto centre = layer->weight.select(3, k / 2).select(2, k / 2);
    EXPECT_LE(max_abs_diff(out[b][0], torch::mv(centre, x[b][0]) + layer->bias), 1e-10);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        auto expected = layer->bias.clone();
        for (int64_t dr = -1; dr <= 1; ++dr) {
          for (int64_t dc = -1; dc <= 1; ++dc) {
            if (r + dr < 0 || r + dr >= rows || c + dc < 0 || c + dc >= cols)
              continue;
            auto tap = layer->weight.select(3, dc + 1).select(2, dr + 1);
            expected += torch::mv(tap, x[b][1 + (r + dr) * cols + (c + dc)]);
          }
        }
        EXPECT_LE(max_abs_diff(out[b][1 + r * cols + c], expected), 1e-10) << r << "," << c;
      }
    }
  }
}

TEST(Baselines, BidirectionalLstmReadsEachSequenceWithinItsLength) {
  torch::manual_seed(2);
  torch::NoGradGuard no_grad;
  auto layer = BiLstmMixer(BiLstmMixerOptions(8));
  layer->eval();
  auto x = torch::randn({3, 7, 8});
  auto mask = lengths_to_mask({7, 3, 1}, 7);
  auto out = layer->forward(x, mask).output;
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 7, 8}));
  for (int64_t b = 0; b < 3; ++b) {
    const int64_t length = mask[b].sum().item<int64_t>();
    auto seq = x[b].narrow(0, 0, length).unsqueeze(0);
    auto ahead = std::get<0>(layer->forward_lstm->forward(seq))[0];
    auto back = std::get<0>(layer->backward_lstm->forward(seq.flip({1})))[0].flip({0});
    EXPECT_LE(max_abs_diff(out[b].narrow(0, 0, length), torch::cat({ahead, back}, 1)), 1e-6)
        << "example " << b;
  }
  EXPECT_TRUE(torch::equal(reverse_within_length(mask, 3, 7)[1],
                           torch::tensor({2, 1, 0, 3, 4, 5, 6}, torch::kLong)));
}

TEST(Baselines, AreRegisteredLikeTheAttentionVariants) {
  for (const char* name : {"cnn", "lstm"}) {
    AttentionConfig config;
    config.name = name;
    config.d_model = 8;
    auto layer = make_attention(config);
    auto out = layer->forward(torch::randn({2, 5, 8}), lengths_to_mask({5, 2}, 5)).output;
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 5, 8})) << name;
  }
}
