#include "apps/train_flow.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "apps/launcher.h"
#include "training/distributed.h"
#include "training/progress.h"
#include "training/run_directory.h"

namespace attnzoo::cli {

void merge_resumed_config(const std::string& out_dir, const po::options_description& options,
                          po::variables_map& vm) {
  const auto config_path = std::filesystem::path(out_dir) / "config.ini";
  std::ifstream config(config_path);
  if (!config)
    throw UsageError("--resume: " + config_path.string() + " not found");
  po::store(po::parse_config_file(config, options, /*allow_unregistered=*/false), vm);
  po::notify(vm);
}

bool stage_fresh_run(TrainerOptions& trainer) {
  if (trainer.resume || !writes_run_directory())
    return false;
  if (trainer.out_dir.empty())
    return true;
  trainer.publish_dir = trainer.out_dir;
  trainer.out_dir = fresh_run_directory(trainer.out_dir);
  return true;
}

int train_and_report(const std::shared_ptr<TaskModelImpl>& model, const TrainerOptions& options,
                     int threads, const std::string& model_line, const BatchSource& train,
                     const BatchSource& validation, const BatchSource& test,
                     const std::string& test_note) {
  auto trainer = options;
  if (!(trainer.train_fraction > 0 && trainer.train_fraction <= 1)) {
    throw UsageError(
        fmt::format("--train-fraction {}: expected a fraction in (0, 1]", trainer.train_fraction));
  }
  if (trainer.train_fraction < 1 && train.size() == 1) {
    throw UsageError("--train-fraction: the training split is one graph, trained full batch");
  }
  join_data_parallel(trainer);
  const auto& group = trainer.collectives;
  const bool report = !group || group->rank() == 0;
  if (report) {
    fmt::print("model: {}, {} parameters; {} ({} threads{})\n", model_line,
               count_parameters(*model), trainer.device.str(), threads,
               group ? fmt::format(" in each of {} processes", group->world_size()) : "");
  }
  std::fflush(stdout);  // before the progress bar starts on stderr
  auto result = Trainer(model, trainer).fit(train, validation, &test);
  if (!report)
    return 0;
  const auto& run_dir = trainer.publish_dir.empty() ? trainer.out_dir : trainer.publish_dir;
  if (!result.finished) {
    fmt::print("stopped after epoch {} as asked; continue with --resume --out {}\n",
               result.epochs_run, run_dir);
    return 0;
  }
  fmt::print(
      "\nfinal: test accuracy {:.4f}{}, best val accuracy {:.4f} (epoch {}), {} steps in {}, "
      "peak memory {:.0f} MB\nrun directory: {}\n",
      result.test.accuracy, test_note, result.best_validation.accuracy, result.best_epoch,
      result.steps, format_duration(result.train_seconds), result.peak_rss_bytes / 1e6, run_dir);
  return 0;
}

}  // namespace attnzoo::cli
