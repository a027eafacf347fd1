#pragma once
// The steps every `attnzoo train` shares, whatever the modality: reading a resumed run's own
// configuration, and training with the shared trainer and reporting the result.

#include <memory>
#include <string>

#include "apps/command.h"
#include "datasets/batch.h"
#include "models/task_model.h"
#include "training/trainer.h"

namespace attnzoo::cli {

/// With --resume: OUT/config.ini fills every option the command line leaves out (flags given
/// now still win). A missing file is a UsageError.
void merge_resumed_config(const std::string& out_dir, const po::options_description& options,
                          po::variables_map& vm);

/// A fresh run (not --resume) into a directory that holds files writes beside it until its first
/// epoch is saved (TrainerOptions::publish_dir), so that an early failure leaves that run intact.
/// Returns whether this process is to write the fresh run's files now: not for --resume, nor on
/// a data-parallel run's ranks other than 0.
bool stage_fresh_run(TrainerOptions& trainer);

/// Prints `model_line` (with the parameter count, device and threads appended), trains `model`,
/// and prints the final line -- `test_note` follows the test accuracy, e.g. " (majority class
/// 0.12)" -- or, for a run stopped by --stop-after-epochs, how to resume it. Returns the exit
/// status.
int train_and_report(const std::shared_ptr<TaskModelImpl>& model, const TrainerOptions& trainer,
                     int threads, const std::string& model_line, const BatchSource& train,
                     const BatchSource& validation, const BatchSource& test,
                     const std::string& test_note = "");

}  // namespace attnzoo::cli
