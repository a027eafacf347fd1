#pragma once
// The image dataset kinds behind `--dataset KIND --data PATH`:
//
//   idx    the MNIST family's IDX files (gzipped or raw). A directory with train-images* /
//          train-labels* and t10k-images* / t10k-labels* uses them as train and test; with only
//          one of the two pairs (notMNIST ships only t10k), that pair is split by seed into
//          train, validation and test. PATH may also be "IMAGES,LABELS" (one pair, split by seed).
//   cifar  the CIFAR binary batches: a CIFAR-10 directory (data_batch_*.bin, test_batch.bin,
//          batches.meta.txt) or a CIFAR-100 one (train.bin, test.bin, fine_label_names.txt),
//          fine labels unless `coarse`.
//
// Validation is carved out of the training split by seed (validation_fraction of it) when the
// data set has none; a seeded split is stratified by label (datasets/text/seeded_split.h).
// --test-data replaces the test split with every image it names. Pixels reach the model in 0..1;
// the model normalises them with the training split's statistics. Augmentation (random crop
// after zero padding, horizontal flip) applies to the training split only.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "datasets/batch.h"

namespace attnzoo {

struct ImageDataOptions {
  std::string kind = "idx";  ///< idx | cifar
  std::string data;
  std::string test_data;
  double validation_fraction = 0.1;
  double test_fraction = 0.1;
  uint64_t split_seed = 0;
  /// CIFAR-100: the 20 coarse labels instead of the 100 fine ones.
  bool coarse = false;
  /// Training augmentation: pad by this many zero pixels, then crop back at a random offset
  /// (0: off).
  int64_t crop_padding = 0;
  /// Training augmentation: mirror left-right with probability 1/2.
  bool flip = false;
};

/// The image kinds, for help texts: "idx | cifar".
std::string image_dataset_kinds();
bool is_image_dataset_kind(const std::string& kind);

class ImageDataset : public BatchSource {
 public:
  ImageDataset() = default;
  /// images uint8 [N, C, H, W], labels int64 [N].
  ImageDataset(torch::Tensor images, torch::Tensor labels);

  int64_t size() const override { return images_.defined() ? images_.size(0) : 0; }
  int64_t length(int64_t) const override { return images_.size(2) * images_.size(3); }
  /// Pixels as float in 0..1 [B, C, H, W] (augmented when enabled), labels [B].
  Batch batch(const std::vector<int64_t>& indices) const override;

  /// Random crop and flip for every batch from now on (drawn from LibTorch's global generator,
  /// so a seeded run is reproducible and resumable).
  void augment(int64_t crop_padding, bool flip);

  const torch::Tensor& images() const { return images_; }
  const torch::Tensor& labels() const { return labels_; }
  int64_t channels() const { return images_.size(1); }
  int64_t height() const { return images_.size(2); }
  int64_t width() const { return images_.size(3); }

  /// Per-channel mean and standard deviation of the pixels, in 0..1.
  std::pair<std::vector<double>, std::vector<double>> channel_statistics() const;

 private:
  torch::Tensor images_, labels_;
  int64_t crop_padding_ = 0;
  bool flip_ = false;
};

struct ImageTask {
  std::string name;
  ImageDataset train, validation, test;
  std::vector<std::string> label_names;
  int64_t num_classes() const { return static_cast<int64_t>(label_names.size()); }
};

/// Reads the splits (see the top of this file). std::runtime_error names the file and what was
/// wrong; mismatched image sizes between splits are an error.
ImageTask load_image_task(const ImageDataOptions& options);

/// Every image `options.data` names, as one dataset, for `attnzoo eval`: its labels must be
/// below `num_classes`.
ImageDataset load_image_examples(const ImageDataOptions& options, int64_t num_classes);

/// The images of one file, uint8 [N, C, H, W], for `attnzoo predict`: an IDX image file (kind
/// idx) or a CIFAR binary batch (kind cifar; train.bin and test.bin are CIFAR-100's format).
torch::Tensor read_image_file(const ImageDataOptions& options, const std::string& path);

}  // namespace attnzoo
