#pragma once
// Speech frames -> class logits: normalise each feature with the training set's mean and
// standard deviation (kept in the model), project to d_model, add positions, encode with any
// registered attention (`truncated` sees a window of past and future frames), pool, classify.

#include <vector>

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/encoder.h"
#include "models/pooling.h"
#include "models/positional_encoding.h"
#include "models/task_model.h"

namespace attnzoo {

struct SpeechModelOptions {
  SpeechModelOptions(int64_t feature_dim, int64_t num_classes, EncoderOptions encoder)
      : feature_dim_(feature_dim), num_classes_(num_classes), encoder_(std::move(encoder)) {}
  TORCH_ARG(int64_t, feature_dim);
  TORCH_ARG(int64_t, num_classes);
  TORCH_ARG(EncoderOptions, encoder);
  TORCH_ARG(PositionalKind, positional) = PositionalKind::kSinusoidal;
  /// Learned positions: the table's rows, the longest utterance in frames. Sinusoidal
  /// positions and none take any length.
  TORCH_ARG(int64_t, max_positions) = 1000;
  TORCH_ARG(Pooling, pooling) = Pooling::kMean;
  TORCH_ARG(double, dropout) = 0.1;
  /// Subtract each utterance's own mean frame (over its real frames) first: cepstral mean
  /// normalisation, which takes out what a speaker or a microphone adds to every frame.
  TORCH_ARG(bool, utterance_norm) = false;
  /// Training only, SpecAugment-style: each utterance's filterbank axis is stretched by a random
  /// factor in [1 - freq_warp, 1 + freq_warp] (a new vocal tract length, as another speaker
  /// has), then a random band of up to freq_mask bins and a span of up to time_mask frames are
  /// blanked (set to the training mean). 0: off.
  TORCH_ARG(double, freq_warp) = 0.0;
  TORCH_ARG(int64_t, freq_mask) = 0;
  TORCH_ARG(int64_t, time_mask) = 0;
  /// Per-feature mean and standard deviation of the training frames (after the utterance mean
  /// is removed, with utterance_norm); empty: 0 and 1.
  TORCH_ARG(std::vector<double>, mean) = {};
  TORCH_ARG(std::vector<double>, std) = {};
};

class SpeechModelImpl : public TaskModelImpl {
 public:
  explicit SpeechModelImpl(const SpeechModelOptions& options);

  /// frames [B, T, F], mask [B, T] (true at real frames) -> logits [B, num_classes]
  torch::Tensor forward(const torch::Tensor& frames, const torch::Tensor& mask);
  torch::Tensor forward(const Batch& batch) override { return forward(batch.inputs, batch.mask); }

  int64_t d_model() const { return options.encoder().layer().attention().d_model; }
  /// The longest utterance in frames: max_positions with learned positions, else 0 (any length).
  int64_t max_length() const;
  /// Normalised frames [B, T, F] with the training augmentation applied (mask: real frames).
  torch::Tensor augment(const torch::Tensor& x, const torch::Tensor& mask) const;

  SpeechModelOptions options;
  torch::Tensor mean, std;  ///< [F] buffers
  torch::nn::Linear input{nullptr};
  PositionalEncoding positional{nullptr};
  torch::Tensor cls;  ///< [d], only with Pooling::kCls
  torch::nn::Dropout dropout{nullptr};
  Encoder encoder{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(SpeechModel);

}  // namespace attnzoo
