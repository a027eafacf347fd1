#include "models/image_model.h"

#include <torch/nn/init.h>

namespace attnzoo {

torch::Tensor sinusoidal_table_2d(int64_t rows, int64_t cols, int64_t d_model,
                                  torch::Device device) {
  TORCH_CHECK(d_model % 4 == 0, "2-D sinusoidal positions need d_model divisible by 4, got ",
              d_model);
  const int64_t half = d_model / 2;
  auto row = sinusoidal_table(rows, half, device).unsqueeze(1).expand({rows, cols, half});
  auto col = sinusoidal_table(cols, half, device).unsqueeze(0).expand({rows, cols, half});
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
    TORCH_CHECK(d % 4 == 0, "2-D sinusoidal positions need d_model divisible by 4, got ", d);
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

bool image_grid_bound(const ImageModelOptions& options) {
  return options.encoder().layer().attention().name == "cnn";
}

std::string image_size_error(const ImageModelOptions& options, int64_t height, int64_t width) {
  const int64_t p = options.patch();
  const auto trained = std::to_string(options.height()) + "x" + std::to_string(options.width());
  const auto seen = std::to_string(height) + "x" + std::to_string(width);
  if (height < p || width < p || height % p != 0 || width % p != 0)
    return "images of " + seen + " pixels do not divide into " + std::to_string(p) + "x" +
           std::to_string(p) + " patches";
  if (options.positional() == PositionalKind::kLearned &&
      (height != options.height() || width != options.width()))
    return "images of " + seen + " pixels, but the learned patch positions cover " + trained +
           " (sinusoidal positions take any size)";
  if (image_grid_bound(options) && width != options.width())
    return "images " + std::to_string(width) + " pixels wide, but the cnn mixer's grid is " +
           std::to_string(options.width()) + " wide (" + trained + " in training)";
  return "";
}

torch::Tensor ImageModelImpl::forward(const torch::Tensor& images) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == options.channels(), "expected images [batch, ",
              options.channels(), ", height, width], got ", images.sizes());
  const auto error = image_size_error(options, images.size(2), images.size(3));
  TORCH_CHECK(error.empty(), error);
  auto x = patch_embedding((images - mean) / std);  // [B, N, d]
  const int64_t p = options.patch();
  if (positions.defined()) {
    x = x + positions.unsqueeze(0);
  } else if (options.positional() == PositionalKind::kSinusoidal) {
    const auto table =
        sinusoidal_table_2d(images.size(2) / p, images.size(3) / p, d_model(), x.device());
    x = x + table.to(x.dtype()).unsqueeze(0);
  }
  if (cls.defined())
    x = torch::cat({cls.view({1, 1, -1}).expand({x.size(0), 1, x.size(2)}), x}, 1);
  auto h = encoder(dropout(x));
  return head(pool(h, {}, options.pooling()));
}

}  // namespace attnzoo
