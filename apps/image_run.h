#pragma once
// What `attnzoo train` takes for an image run (dataset kinds idx and cifar), and how `attnzoo
// eval` rebuilds the same model from the run directory: config.ini (the resolved options),
// model.json (what the data decided: image shape, classes, normalisation) and labels.txt.

#include <memory>
#include <string>
#include <vector>

#include "apps/command.h"
#include "datasets/image_datasets.h"
#include "models/image_model.h"
#include "training/trainer.h"

namespace attnzoo::cli {

struct ImageRunOptions {
  /// The image defaults (README, "Defaults by dataset kind").
  ImageRunOptions();
  AttentionConfig attention;
  EncoderChoices model{4, 0, 0.1, "learned", "cls"};
  ImageDataOptions data;
  int64_t patch = 4;
  TrainerOptions trainer;
  std::string device = "auto";
  int threads = 0;
};

/// Every option of `attnzoo train` for images, bound to `run`.
po::options_description image_run_options(ImageRunOptions& run);
/// Converts string choices after parsing; UsageError when bad.
void finish_image_run_options(const po::variables_map& vm, ImageRunOptions& run);

/// What the data decides about the model.
struct ImageModelFacts {
  int64_t channels = 0, height = 0, width = 0, num_classes = 0;
  std::vector<double> mean, std;  ///< per channel, of the training pixels in 0..1
};

ImageModelOptions image_model_options(const ImageRunOptions& run, const ImageModelFacts& facts);
std::shared_ptr<ImageModelImpl> build_image_model(const ImageRunOptions& run,
                                                  const ImageModelFacts& facts);

/// Writes config.ini, model.json and labels.txt into the run directory.
void save_image_run(const std::string& dir, const po::variables_map& vm,
                    const ImageModelFacts& facts, const ImageTask& task);

struct LoadedImageRun {
  ImageRunOptions options;
  ImageModelFacts facts;
  std::vector<std::string> label_names;
};
LoadedImageRun load_image_run(const std::string& dir);
/// Throws "`where`: ..." unless the run's model takes images of channels x height x width (any
/// multiple of the patch with sinusoidal or no positions, image_size_error).
void check_image_size(const LoadedImageRun& run, int64_t channels, int64_t height, int64_t width,
                      const std::string& where);
/// The run's model with its best checkpoint loaded, in eval mode.
std::shared_ptr<ImageModelImpl> load_trained_image_model(const std::string& dir,
                                                         const LoadedImageRun& run);

/// `attnzoo train` for the image kinds.
int train_image_model(const std::vector<std::string>& args);

/// `attnzoo eval` for the image kinds: the run's best checkpoint on every image `data` names.
Evaluation evaluate_image_run(const std::string& run_dir, const ImageDataOptions& data,
                              const TrainerOptions& trainer);

}  // namespace attnzoo::cli
