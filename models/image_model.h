#pragma once
// Images -> class logits, as the Vision Transformer does it: normalise with the training set's
// statistics (kept in the model), cut into patches and project them, add 2-D positions, put a
// [CLS] token first (or pool by the mean), encode with any registered attention, classify.
// With patch 1 every pixel is a token (the Long Range Arena's image task), so long-sequence
// variants can be compared on images.

#include <string>
#include <vector>

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/encoder.h"
#include "models/patch_embedding.h"
#include "models/pooling.h"
#include "models/positional_encoding.h"
#include "models/task_model.h"

namespace attnzoo {

struct ImageModelOptions {
  ImageModelOptions(int64_t channels, int64_t height, int64_t width, int64_t num_classes,
                    EncoderOptions encoder)
      : channels_(channels),
        height_(height),
        width_(width),
        num_classes_(num_classes),
        encoder_(std::move(encoder)) {}
  TORCH_ARG(int64_t, channels);
  TORCH_ARG(int64_t, height);
  TORCH_ARG(int64_t, width);
  TORCH_ARG(int64_t, num_classes);
  TORCH_ARG(EncoderOptions, encoder);
  /// Side of the square patches; must divide height and width. 1: a token per pixel.
  TORCH_ARG(int64_t, patch) = 4;
  /// learned (a vector per patch position: images of the training size only) | sinusoidal (2-D:
  /// half the channels encode the row, half the column; any image size) | none (any size).
  TORCH_ARG(PositionalKind, positional) = PositionalKind::kLearned;
  TORCH_ARG(Pooling, pooling) = Pooling::kCls;
  /// Dropout on the patch embeddings.
  TORCH_ARG(double, dropout) = 0.1;
  /// Per-channel mean and standard deviation of the training pixels (in 0..1); empty: 0 and 1.
  TORCH_ARG(std::vector<double>, mean) = {};
  TORCH_ARG(std::vector<double>, std) = {};
};

class ImageModelImpl : public TaskModelImpl {
 public:
  explicit ImageModelImpl(const ImageModelOptions& options);

  /// images [B, C, H, W], pixels in 0..1 -> logits [B, num_classes]. H and W are the training
  /// size with learned positions; otherwise any multiples of the patch (with the cnn baseline,
  /// whose 2-D kernel is laid out on the training grid, W stays the training width).
  torch::Tensor forward(const torch::Tensor& images);
  torch::Tensor forward(const Batch& batch) override { return forward(batch.inputs); }

  int64_t d_model() const { return options.encoder().layer().attention().d_model; }
  int64_t patches() const;

  ImageModelOptions options;
  torch::Tensor mean, std;  ///< [1, C, 1, 1] buffers
  PatchEmbedding patch_embedding{nullptr};
  torch::Tensor positions;  ///< [patches, d], only with learned positions
  torch::Tensor cls;        ///< [d], only with Pooling::kCls
  torch::nn::Dropout dropout{nullptr};
  Encoder encoder{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(ImageModel);

/// "" when a model of `options` takes images of height x width, else why not (one line).
std::string image_size_error(const ImageModelOptions& options, int64_t height, int64_t width);

/// Whether the model's token mixers are the cnn baseline, whose 2-D kernel runs over rows of the
/// training width.
bool image_grid_bound(const ImageModelOptions& options);

/// [rows * cols, d]: position (r, c) gets the 1-D sinusoidal code of r in its first d / 2
/// channels and that of c in the last d / 2 (d a multiple of 4).
torch::Tensor sinusoidal_table_2d(int64_t rows, int64_t cols, int64_t d_model,
                                  torch::Device device = torch::kCPU);

}  // namespace attnzoo
