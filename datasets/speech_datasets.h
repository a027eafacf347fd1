#pragma once
// The speech dataset kinds behind `--dataset KIND --data PATH`: utterances become log-mel
// filterbank frames (datasets/speech/fbank.h, 100 per second) and are classified.
//
//   fsdd            Free Spoken Digit Dataset: {label}_{speaker}_{index}.wav in one directory
//                   (or its recordings/ folder). The official split puts index 0-4 in the test
//                   set; the speakers are discovered from the names.
//   speech-folders  ROOT/<label>/*.wav (the Speech Commands layout; folders starting with '_'
//                   are skipped), with ROOT/validation_list.txt and ROOT/testing_list.txt
//                   (paths relative to ROOT) when present, otherwise a seeded split.
//
// Validation is carved out of the training split by seed where the data set has none. All files
// must share one sample rate unless `resample` asks for one. Frames can be stacked (k
// consecutive frames become one vector) and subsampled (every s-th kept) to shorten long
// utterances. Variable lengths are batched with padding masks.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "datasets/batch.h"

namespace attnzoo {

struct SpeechDataOptions {
  std::string kind = "fsdd";  ///< fsdd | speech-folders
  std::string data;
  std::string test_data;
  double validation_fraction = 0.1;
  double test_fraction = 0.1;
  uint64_t split_seed = 0;
  int64_t num_mel_bins = 40;
  /// 0: every file must have the dataset's sample rate; N: resample each file to N Hz.
  int64_t resample = 0;
  /// Stack this many consecutive frames into one vector (1: none).
  int64_t stack = 1;
  /// Keep every s-th (stacked) frame (1: all).
  int64_t subsample = 1;
  /// fsdd: leave these speakers out of training; every recording of theirs is the test set and
  /// every recording of the others trains (empty: the official split by recording index).
  std::vector<std::string> test_speakers;
};

std::string speech_dataset_kinds();  // "fsdd | speech-folders"
bool is_speech_dataset_kind(const std::string& kind);

class SpeechDataset : public BatchSource {
 public:
  SpeechDataset() = default;
  /// frames: one [T_i, F] float tensor per utterance; labels: one per utterance.
  SpeechDataset(std::vector<torch::Tensor> frames, std::vector<int64_t> labels);

  int64_t size() const override { return static_cast<int64_t>(frames_.size()); }
  int64_t length(int64_t index) const override { return frames_[index].size(0); }
  /// Frames [B, T, F] padded with zeros to padded_batch_length of the longest utterance (at most
  /// to the split's longest), mask [B, T] (true at real frames), labels [B].
  Batch batch(const std::vector<int64_t>& indices) const override;

  int64_t feature_dim() const { return frames_.empty() ? 0 : frames_[0].size(1); }
  int64_t max_length() const { return max_length_; }
  const std::vector<int64_t>& labels() const { return labels_; }
  /// Per-feature mean and standard deviation over every frame; with `utterance_mean_removed`,
  /// of the frames less their utterance's mean (what SpeechModel normalises with that option).
  std::pair<std::vector<double>, std::vector<double>> feature_statistics(
      bool utterance_mean_removed = false) const;

 private:
  std::vector<torch::Tensor> frames_;
  std::vector<int64_t> labels_;
  int64_t max_length_ = 0;
};

struct SpeechTask {
  std::string name;
  SpeechDataset train, validation, test;
  std::vector<std::string> label_names;
  /// fsdd: the speakers found in the file names, sorted (empty for speech-folders).
  std::vector<std::string> speakers;
  int64_t sample_rate = 0;
  int64_t num_classes() const { return static_cast<int64_t>(label_names.size()); }
};

/// Reads the splits (see the top of this file); std::runtime_error names the file and problem.
SpeechTask load_speech_task(const SpeechDataOptions& options);

/// Every utterance `options.data` names, for `attnzoo eval`, labelled with the run's label
/// names (an unknown label is an error naming the file); `sample_rate` is the run's.
SpeechDataset load_speech_examples(const SpeechDataOptions& options,
                                   const std::vector<std::string>& label_names,
                                   int64_t sample_rate);

/// The frames [T, F] of one WAV file as the dataset computes them (fbank, stacking, subsampling),
/// at `sample_rate` (the run's; a file at another rate is an error unless options.resample
/// converts it), for `attnzoo predict`.
torch::Tensor wav_frames(const std::string& path, const SpeechDataOptions& options,
                         int64_t sample_rate);

/// Windowed-sinc resampling of `samples` from one rate to another.
std::vector<float> resample_audio(const std::vector<float>& samples, int64_t from, int64_t to);

}  // namespace attnzoo
