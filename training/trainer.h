#pragma once
// The one trainer every model, modality and task goes through: AdamW, warm-up then cosine decay,
// gradient clipping, evaluation on the validation split each epoch, early stopping, checkpoints.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "datasets/batch.h"
#include "models/task_model.h"

namespace attnzoo {

struct TrainerOptions {
  int64_t epochs = 10;
  int64_t batch_size = 32;
  /// Peak learning rate (reached after warm-up).
  double lr = 1e-3;
  double weight_decay = 0.01;
  /// Fraction of all steps spent warming up.
  double warmup_fraction = 0.1;
  /// Gradients are clipped to this global L2 norm; 0 disables clipping.
  double clip_norm = 1.0;
  /// Stop after this many epochs without a better validation accuracy; 0 disables.
  int64_t patience = 0;
  uint64_t seed = 0;
  /// A progress line every N steps when stderr is not a terminal.
  int64_t log_every = 50;
  torch::Device device = torch::kCPU;
  /// Run directory for metrics.jsonl, checkpoints and final.json; empty writes nothing.
  std::string out_dir;
  /// Continue the run in `out_dir` from its last checkpoint (the end of its last whole epoch).
  bool resume = false;
  /// Stop this invocation after this many epochs (0: no limit); the run can be resumed later.
  int64_t stop_after_epochs = 0;
  /// Extra fields written into final.json (e.g. model and dataset names).
  std::vector<std::pair<std::string, std::string>> tags;
};

struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;  ///< fraction in 0..1 over labelled positions
  int64_t examples = 0;
};

struct TrainResult {
  Evaluation best_validation;
  Evaluation test;
  int64_t best_epoch = 0;
  int64_t epochs_run = 0;
  int64_t steps = 0;
  int64_t params = 0;
  double train_seconds = 0.0;
  int64_t peak_rss_bytes = 0;
  /// False when this invocation stopped at `stop_after_epochs` before the run's end.
  bool finished = true;
};

class Trainer {
 public:
  Trainer(std::shared_ptr<TaskModelImpl> model, TrainerOptions options);

  /// Trains on `train`, selects the epoch with the best validation accuracy, and reports that
  /// model's accuracy on `test` (when given). Throws std::runtime_error if the loss stops being
  /// finite, naming the step. With a run directory, each epoch ends with `last.pt` (model,
  /// optimizer, counters, random state) and, when validation improved, `best.pt`; a resumed run
  /// continues from `last.pt` and ends exactly as an uninterrupted one would.
  TrainResult fit(const BatchSource& train, const BatchSource& validation,
                  const BatchSource* test = nullptr);

  Evaluation evaluate(const BatchSource& data);

 private:
  std::shared_ptr<TaskModelImpl> model_;
  TrainerOptions options_;
};

/// Cross-entropy over labelled positions: logits [B, C] with labels [B], or [B, n, C] with [B, n]
/// (kIgnoreLabel positions skipped).
torch::Tensor classification_loss(const torch::Tensor& logits, const torch::Tensor& labels);

/// Number of trainable scalars.
int64_t count_parameters(const torch::nn::Module& module);

/// Peak resident memory of this process so far.
int64_t peak_rss_bytes();

}  // namespace attnzoo
