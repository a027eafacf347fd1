#pragma once
// What `attnzoo train` takes for a speech run (dataset kinds fsdd and speech-folders), and how
// `attnzoo eval` rebuilds the same model: config.ini, model.json (what the data decided: frame
// features, sample rate, classes, normalisation) and labels.txt.

#include <memory>
#include <string>
#include <vector>

#include "apps/command.h"
#include "datasets/speech_datasets.h"
#include "models/speech_model.h"
#include "training/trainer.h"

namespace attnzoo::cli {

struct SpeechRunOptions {
  /// The speech defaults (README, "Defaults by dataset kind").
  SpeechRunOptions();
  AttentionConfig attention;
  EncoderChoices model{3, 0, 0.1, "sinusoidal", "mean"};
  SpeechDataOptions data;
  int64_t max_positions = 0;  ///< --max-positions (0: the default size)
  std::string test_speakers;  ///< --test-speakers, comma-separated
  bool utterance_norm = false;
  double freq_warp = 0.0;  ///< --freq-warp, --freq-mask, --time-mask: training augmentation
  int64_t freq_mask = 0, time_mask = 0;
  TrainerOptions trainer;
  std::string device = "auto";
  int threads = 0;
};

po::options_description speech_run_options(SpeechRunOptions& run);
void finish_speech_run_options(const po::variables_map& vm, SpeechRunOptions& run);

/// What the data decides about the model.
struct SpeechModelFacts {
  int64_t feature_dim = 0, num_classes = 0, sample_rate = 0;
  /// The longest utterance in frames: the learned position table's size, or 0 (any length).
  int64_t max_length = 0;
  std::vector<double> mean, std;  ///< per feature, of the training frames
};

std::shared_ptr<SpeechModelImpl> build_speech_model(const SpeechRunOptions& run,
                                                    const SpeechModelFacts& facts);

struct LoadedSpeechRun {
  SpeechRunOptions options;
  SpeechModelFacts facts;
  std::vector<std::string> label_names;
};
LoadedSpeechRun load_speech_run(const std::string& dir);
/// The run's model with its best checkpoint loaded, in eval mode.
std::shared_ptr<SpeechModelImpl> load_trained_speech_model(const std::string& dir,
                                                           const LoadedSpeechRun& run);

/// `attnzoo train` for the speech kinds.
int train_speech_model(const std::vector<std::string>& args);

/// `attnzoo eval` for the speech kinds: the run's best checkpoint on every utterance of `data`.
Evaluation evaluate_speech_run(const std::string& run_dir, const SpeechDataOptions& data,
                               const TrainerOptions& trainer);

}  // namespace attnzoo::cli
