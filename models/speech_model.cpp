#include "models/speech_model.h"

#include <torch/nn/init.h>

namespace attnzoo {

namespace {

torch::Tensor feature_buffer(const std::vector<double>& values, int64_t features, double fill,
                             const char* name) {
  if (values.empty())
    return torch::full({features}, fill);
  TORCH_CHECK(static_cast<int64_t>(values.size()) == features, name, " has ", values.size(),
              " values for ", features, " features");
  return torch::tensor(values, torch::kFloat);
}

}  // namespace

SpeechModelImpl::SpeechModelImpl(const SpeechModelOptions& options_) : options(options_) {
  TORCH_CHECK(options.num_classes() > 1, "a classifier needs at least two classes");
  const int64_t d = d_model(), f = options.feature_dim();
  mean = register_buffer("mean", feature_buffer(options.mean(), f, 0.0, "mean"));
  std = register_buffer("std", feature_buffer(options.std(), f, 1.0, "std"));
  TORCH_CHECK((std > 0).all().item<bool>(), "std must be positive");
  input = register_module("input", torch::nn::Linear(f, d));
  const bool with_cls = options.pooling() == Pooling::kCls;
  positional = register_module(
      "positional",
      PositionalEncoding(PositionalEncodingOptions(d)
                             .kind(options.positional())
                             .max_positions(options.max_positions() + (with_cls ? 1 : 0))));
  if (with_cls) {
    cls = register_parameter("cls", torch::empty({d}));
    torch::nn::init::normal_(cls, 0.0, 0.02);
  }
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  encoder = register_module("encoder", Encoder(options.encoder()));
  head = register_module("head", torch::nn::Linear(d, options.num_classes()));
}

torch::Tensor SpeechModelImpl::augment(const torch::Tensor& x, const torch::Tensor& mask) const {
  const int64_t b = x.size(0), t = x.size(1), f = x.size(2);
  const auto options_of = torch::TensorOptions().device(x.device());
  auto out = x;
  if (options.freq_warp() > 0) {
    // Bin j reads the warped position j / alpha, linearly interpolated.
    const auto alpha = 1.0 + (torch::rand({b, 1}, options_of) * 2 - 1) * options.freq_warp();
    const auto source =
        (torch::arange(f, options_of.dtype(torch::kFloat)).unsqueeze(0) / alpha).clamp(0, f - 1);
    const auto lo = source.floor().to(torch::kLong);
    const auto hi = (lo + 1).clamp_max(f - 1);
    const auto frac = (source - lo.to(source.dtype())).unsqueeze(1).to(x.dtype());  // [B, 1, F]
    const auto gather = [&](const torch::Tensor& index) {
      return out.gather(2, index.unsqueeze(1).expand({b, t, f}));
    };
    out = gather(lo) * (1 - frac) + gather(hi) * frac;
  }
  // One band of bins and one span of real frames per utterance, each of a random width.
  auto blank = torch::zeros({b, t, f}, options_of.dtype(torch::kBool));
  if (options.freq_mask() > 0) {
    const auto width = torch::randint(0, options.freq_mask() + 1, {b, 1}, options_of);
    const auto start = (torch::rand({b, 1}, options_of) * (f - width + 1)).floor();
    const auto bins = torch::arange(f, options_of).unsqueeze(0);
    blank = blank | ((bins >= start) & (bins < start + width)).unsqueeze(1);
  }
  if (options.time_mask() > 0) {
    const auto length = mask.sum(1, true).to(torch::kFloat);
    const auto width = torch::minimum(
        torch::randint(0, options.time_mask() + 1, {b, 1}, options_of).to(torch::kFloat), length);
    const auto start = (torch::rand({b, 1}, options_of) * (length - width + 1)).floor();
    const auto frames = torch::arange(t, options_of).unsqueeze(0);
    blank = blank | ((frames >= start) & (frames < start + width)).unsqueeze(2);
  }
  return out.masked_fill(blank, 0.0);
}

int64_t SpeechModelImpl::max_length() const {
  return positions_max_length(options.positional(), options.max_positions());
}

torch::Tensor SpeechModelImpl::forward(const torch::Tensor& frames, const torch::Tensor& mask) {
  TORCH_CHECK(frames.dim() == 3 && frames.size(2) == options.feature_dim(),
              "expected frames [batch, time, ", options.feature_dim(), "], got ", frames.sizes());
  TORCH_CHECK(max_length() == 0 || frames.size(1) <= max_length(), "an utterance of ",
              frames.size(1), " frames is longer than the learned position table (max_positions ",
              max_length(), ")");
  auto m = mask.defined() ? mask
                          : torch::ones({frames.size(0), frames.size(1)},
                                        frames.options().dtype(torch::kBool));
  auto f = frames;
  if (options.utterance_norm()) {
    const auto real = m.unsqueeze(-1).to(frames.dtype());
    f = frames - (frames * real).sum(1, true) / real.sum(1, true).clamp_min(1.0);
  }
  auto normalised = (f - mean) / std;
  if (is_training())
    normalised = augment(normalised, m);
  auto x = input(normalised);
  if (cls.defined()) {
    x = torch::cat({cls.view({1, 1, -1}).expand({x.size(0), 1, x.size(2)}), x}, 1);
    m = torch::cat({torch::ones({m.size(0), 1}, m.options()), m}, 1);
  }
  auto h = encoder(dropout(positional(x)), m);
  return head(pool(h, m, options.pooling()));
}

}  // namespace attnzoo
