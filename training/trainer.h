#pragma once
// The one trainer every model, modality and task goes through: AdamW, warm-up then cosine decay,
// gradient clipping, evaluation on the validation split each epoch, early stopping, checkpoints.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "datasets/batch.h"
#include "models/task_model.h"

namespace attnzoo {

class Collectives;  // training/distributed.h

/// adamw: AdamW, decoupled weight decay on weight matrices only (the default). adam: Adam with
/// weight decay as an L2 penalty on every parameter (as GAT and GCN are trained).
enum class OptimizerKind { kAdamW, kAdam };
/// cosine: linear warm-up then cosine decay to 0. constant: linear warm-up then the peak rate.
enum class ScheduleKind { kCosine, kConstant };

/// accuracy: keep the epoch with the best validation accuracy; patience counts epochs without a
/// better one. accuracy-or-loss (GAT's rule): patience counts epochs in which neither the
/// validation accuracy reached its best nor the validation loss its lowest; the kept epoch is the
/// last one that did both.
enum class EarlyStopping { kAccuracy, kAccuracyOrLoss };

OptimizerKind parse_optimizer(const std::string& name);  // throws std::invalid_argument
ScheduleKind parse_schedule(const std::string& name);    // throws std::invalid_argument
const char* to_string(OptimizerKind kind);
const char* to_string(ScheduleKind kind);
EarlyStopping parse_early_stopping(const std::string& name);  // throws std::invalid_argument
const char* to_string(EarlyStopping rule);

struct TrainerOptions {
  int64_t epochs = 10;
  int64_t batch_size = 32;
  /// Peak learning rate (reached after warm-up).
  double lr = 1e-3;
  double weight_decay = 0.01;
  OptimizerKind optimizer = OptimizerKind::kAdamW;
  ScheduleKind schedule = ScheduleKind::kCosine;
  /// Fraction of all steps spent warming up.
  double warmup_fraction = 0.1;
  /// Gradients are clipped to this global L2 norm; 0 disables clipping.
  double clip_norm = 1.0;
  /// Stop after this many epochs without a gain (see EarlyStopping); 0 disables.
  int64_t patience = 0;
  EarlyStopping early_stopping = EarlyStopping::kAccuracy;
  uint64_t seed = 0;
  /// A progress line every N steps when stderr is not a terminal.
  int64_t log_every = 50;
  /// The epoch line (train and validation metrics) every N epochs, and always for the first and
  /// the last; full-batch graph training runs hundreds of one-step epochs.
  int64_t log_epochs = 1;
  torch::Device device = torch::kCPU;
  /// Run directory for metrics.jsonl, checkpoints and final.json; empty writes nothing.
  std::string out_dir;
  /// When set and not `out_dir`: `out_dir` is a staging directory (fresh_run_directory) that
  /// replaces this one once the first epoch is saved, and the run goes on here; until then this
  /// directory's earlier run is left as it was, and a failure removes the staging directory.
  std::string publish_dir;
  /// Continue the run in `out_dir` from its last checkpoint (the end of its last whole epoch).
  bool resume = false;
  /// Stop this invocation after this many epochs (0: no limit); the run can be resumed later.
  int64_t stop_after_epochs = 0;
  /// Budget: stop after this many optimizer steps (0: none); the learning-rate schedule spans
  /// the budget. The epoch under way ends there, with its validation pass.
  int64_t max_steps = 0;
  /// Budget: stop once training has taken this many seconds (0: none), after the step under way.
  double max_seconds = 0.0;
  /// Train on a seeded part of the training split, this fraction of its examples (at least one).
  double train_fraction = 1.0;
  /// Data-parallel training: the process group this process is one rank of (null: a single
  /// process). `batch_size` is then per rank, each step's global batch is world size x
  /// batch_size examples of the epoch's seeded order, split between the ranks, and the
  /// gradients are averaged over the global batch before clipping; evaluation is split between
  /// the ranks and its counts summed. Only rank 0 writes the run directory and the progress.
  std::shared_ptr<Collectives> collectives;
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
  std::unique_ptr<torch::optim::Optimizer> make_optimizer() const;

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
