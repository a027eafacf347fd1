#pragma once
// Checkpoints: the model, the optimizer and the trainer's counters in one file, written to a
// temporary file and renamed into place, so a run killed while saving never leaves a broken one.

#include <limits>
#include <string>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "training/atomic_file.h"  // write_file_atomically, for the run's other files

namespace attnzoo {

/// Where training stands at the end of an epoch: enough to continue exactly from there.
struct TrainingState {
  int64_t epoch = 0;  ///< epochs completed
  int64_t step = 0;   ///< optimizer steps taken
  int64_t best_epoch = 0;
  double best_val_accuracy = -1.0;
  double best_val_loss = 0.0;
  int64_t epochs_without_gain = 0;
  /// The highest validation accuracy and lowest validation loss of any epoch so far (early
  /// stopping on accuracy or loss).
  double top_val_accuracy = -1.0;
  double low_val_loss = std::numeric_limits<double>::infinity();
  double train_seconds = 0.0;  ///< over every invocation of the run
  int64_t world_size = 1;      ///< processes of a data-parallel run (each reads its own share)
  torch::Tensor rng_state;     ///< LibTorch's CPU generator
};

/// Saves the model, and the optimizer and state when given.
void save_checkpoint(const std::string& path, const torch::nn::Module& model,
                     const torch::optim::Optimizer* optimizer = nullptr,
                     const TrainingState* state = nullptr);
/// Loads what `save_checkpoint` saved into `model` (and `optimizer`, `state` when given). Every
/// parameter's name and shape is checked: a checkpoint of another model is an error naming the
/// file and the first tensor that does not fit, never a silently different model.
void load_checkpoint(const std::string& path, torch::nn::Module& model,
                     torch::optim::Optimizer* optimizer = nullptr, TrainingState* state = nullptr);

inline void save_module(const torch::nn::Module& module, const std::string& path) {
  save_checkpoint(path, module);
}
inline void load_module(torch::nn::Module& module, const std::string& path) {
  load_checkpoint(path, module);
}

/// A module's parameters and buffers as bytes in memory, and back.
std::string module_state(const torch::nn::Module& module);
void restore_module_state(torch::nn::Module& module, const std::string& state);

}  // namespace attnzoo
