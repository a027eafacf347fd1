#pragma once
// What `attnzoo train` takes for a text run, and how `attnzoo eval` rebuilds the same model from
// the run directory: config.ini (the resolved options), model.json (facts resolved from the data:
// vocabulary size, classes, labelling, positions), vocab.txt and labels.txt.

#include <memory>
#include <string>
#include <vector>

#include "apps/command.h"
#include "datasets/text_datasets.h"
#include "models/text_model.h"
#include "training/trainer.h"

namespace attnzoo::cli {

struct TextRunOptions {
  AttentionConfig attention;
  EncoderChoices model;
  TextDataOptions data;
  int64_t max_positions = 0;  ///< --max-positions (0: the default size)
  double word_dropout = 0.0;
  TrainerOptions trainer;
  std::string device = "auto";
  int threads = 0;
};

/// The defaults of a text dataset kind: the settings behind its reference results (README,
/// "Defaults by dataset kind"), over the options' own defaults, which a run directory written
/// before a key existed falls back to. `attnzoo train --dataset KIND --help` shows them.
TextRunOptions text_run_defaults(const std::string& kind);

/// Every option of `attnzoo train`, bound to `run`.
po::options_description text_run_options(TextRunOptions& run);

/// Converts string choices (score, positional, pooling) after parsing; UsageError when bad.
void finish_text_run_options(const po::variables_map& vm, TextRunOptions& run);

/// What the data decides about the model.
struct TextModelFacts {
  int64_t vocab_size = 0;
  int64_t num_classes = 0;
  bool labelling = false;
  /// The longest input in tokens: the learned position table's size, or 0 (any length).
  int64_t max_length = 0;
  /// With --word-classes: the class token of each vocabulary entry (TextModelOptions).
  std::vector<int64_t> token_classes;
};

std::shared_ptr<TextModelImpl> build_text_model(const TextRunOptions& run,
                                                const TextModelFacts& facts);

/// Writes config.ini, model.json, vocab.txt and labels.txt into the run directory.
void save_text_run(const std::string& dir, const po::variables_map& vm, const TextModelFacts& facts,
                   const TextTask& task);

/// A trained run read back: its options, facts, vocabulary and label names.
struct LoadedTextRun {
  TextRunOptions options;
  TextModelFacts facts;
  Vocabulary vocabulary;
  std::vector<std::string> label_names;
};
LoadedTextRun load_text_run(const std::string& dir);
/// The run's model with its best checkpoint loaded, in eval mode.
std::shared_ptr<TextModelImpl> load_trained_text_model(const std::string& dir,
                                                       const LoadedTextRun& run);

/// `attnzoo eval` for the text kinds: the run's best checkpoint on every example `data` names.
Evaluation evaluate_text_run(const std::string& run_dir, const TextDataOptions& data,
                             const TrainerOptions& trainer);

}  // namespace attnzoo::cli
