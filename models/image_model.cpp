#include "models/image_model.h"

#include <torch/nn/init.h>

namespace attnzoo {

torch::Tensor sinusoidal_table_2d(int64_t rows, int64_t cols, int64_t d_model) {
  TORCH_CHECK(d_model % 4 == 0, "2-D sinusoidal positions need d_model divisible by 4, got ",
              d_model);
  auto row = sinusoidal_table(rows, d_model / 2).unsqueeze(1).expand({rows, cols, d_model / 2});
  auto col = sinusoidal_table(cols, d_model / 2).unsqueeze(0).expand({rows, cols, d_model / 2});
  return torch::cat({row, col}, 2).reshape({rows * cols, d_model});
}

namespace {

torch::Tensor channel_buffer(const std::vector<double>& values, int64_t channels, double fill,
                             const char* name) {
  if (values.empty())
    return torch::full({1, channels, 1, 1}, fill);
  TORCH_CHECK(static_cast<int64_t>(values.size()) == channels, name, " has ", values.size(),
              " values for ", channels, " channels");
  return torch::tensor(values, torch::kFloat).view({1, channels, 1, 1});
}

}  // namespace

ImageModelImpl::ImageModelImpl(const ImageModelOptions& options_) : options(options_) {
  TORCH_CHECK(options.num_classes() > 1, "a classifier needs at least two classes");
  const int64_t p = options.patch(), d = d_model();
  TORCH_CHECK(p > 0 && options.height() % p == 0 && options.width() % p == 0, "image size ",
              options.height(), "x", options.width(), " is not divisible by the patch size ", p,
              " (choose a patch that divides both)");
  mean = register_buffer("mean", channel_buffer(options.mean(), options.channels(), 0.0, "mean"));
  std = register_buffer("std", channel_buffer(options.std(), options.channels(), 1.0, "std"));
  TORCH_CHECK((std > 0).all().item<bool>(), "std must be positive");
  patch_embedding = register_module(
      "patch_embedding", PatchEmbedding(PatchEmbeddingOptions(options.channels(), p, d)));
  const int64_t rows = options.height() / p, cols = options.width() / p;
  if (options.positional() == PositionalKind::kLearned) {
    positions = register_parameter("positions", torch::empty({rows * cols, d}));
    torch::nn::init::normal_(positions, 0.0, 0.02);
  } else if (options.positional() == PositionalKind::kSinusoidal) {
    positions = register_buffer("positions", sinusoidal_table_2d(rows, cols, d));
  }
  if (options.pooling() == Pooling::kCls) {
    cls = register_parameter("cls", torch::empty({d}));
    torch::nn::init::normal_(cls, 0.0, 0.02);
  }
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  // Token mixers that can use the patch grid (cnn) learn where it is; attention ignores it.
  auto encoder_options = options.encoder();
  auto& mixing = encoder_options.layer().attention();
  mixing.grid_width = cols;
  mixing.grid_offset = options.pooling() == Pooling::kCls ? 1 : 0;
  encoder = register_module("encoder", Encoder(encoder_options));
  head = register_module("head", torch::nn::Linear(d, options.num_classes()));
}

int64_t ImageModelImpl::patches() const {
  return (options.height() / options.patch()) * (options.width() / options.patch());
}

torch::Tensor ImageModelImpl::forward(const torch::Tensor& images) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == options.channels() &&
                  images.size(2) == options.height() && images.size(3) == options.width(),
              "expected images [batch, ", options.channels(), ", ", options.height(), ", ",
              options.width(), "], got ", images.sizes());
  auto x = patch_embedding((images - mean) / std);  // [B, N, d]
  if (positions.defined())
    x = x + positions.unsqueeze(0);
  if (cls.defined())
    x = torch::cat({cls.view({1, 1, -1}).expand({x.size(0), 1, x.size(2)}), x}, 1);
  auto h = encoder(dropout(x));
  return head(pool(h, {}, options.pooling()));
}

}  // namespace attnzoo
