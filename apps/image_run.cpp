#include "apps/image_run.h"

#include <filesystem>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/run_files.h"
#include "apps/train_flow.h"
#include "core/runtime.h"
#include "training/checkpoint.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;

// A small Vision Transformer from scratch (notMNIST: 93.9%): 4x4 patches (49 tokens and a [CLS]
// token on 28x28), 4 layers of width 128, learned positions; random crops after 2 pixels of
// padding (no flips by default: a mirrored letter or digit is another shape); weight decay 0.05,
// 30 epochs, the best validation epoch kept. 20% of a single file is the test split.
ImageRunOptions::ImageRunOptions() {
  attention.d_model = 128;
  data.test_fraction = 0.2;
  data.crop_padding = 2;
  trainer.epochs = 30;
  trainer.batch_size = 64;
  trainer.weight_decay = 0.05;
}

po::options_description image_run_options(ImageRunOptions& run) {
  auto& data = run.data;
  po::options_description data_options("Data");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  data_options.add_options()
      ("dataset", po::value<std::string>(&data.kind)->default_value(data.kind),
       ("dataset kind: " + image_dataset_kinds()).c_str())
      ("data", po::value<std::string>(&data.data)->required(),
       "idx: a directory (train-*/t10k-* files) or IMAGES,LABELS; cifar: a directory")
      ("test-data", po::value<std::string>(&data.test_data)->default_value(""),
       "take the test split from here")
      ("val-fraction", po::value<double>(&data.validation_fraction)
           ->default_value(data.validation_fraction, "0.1"), "seeded split: validation share")
      ("test-fraction", po::value<double>(&data.test_fraction)
           ->default_value(data.test_fraction, fmt::format("{}", data.test_fraction)),
       "seeded split: test share (when the data has no test split)")
      ("split-seed", po::value<uint64_t>(&data.split_seed)->default_value(0), "seed of the split")
      ("coarse", po::value<bool>(&data.coarse)->default_value(false), "cifar-100: coarse labels")
      ("crop-padding", po::value<int64_t>(&data.crop_padding)->default_value(data.crop_padding),
       "augmentation: random crop after padding by N pixels (0: off)")
      ("flip", po::value<bool>(&data.flip)->default_value(data.flip),
       "augmentation: random horizontal flip");
  // clang-format on
  auto model =
      encoder_choice_options(run.model, "patch positions: learned | sinusoidal (2-D) | none",
                             "classification pooling: cls | mean");
  // clang-format off
  model.add_options()
      ("patch", po::value<int64_t>(&run.patch)->default_value(run.patch),
       "patch side in pixels (1: every pixel a token)");
  // clang-format on
  po::options_description all;
  all.add(attention_options(run.attention))
      .add(data_options)
      .add(model)
      .add(trainer_options(run.trainer))
      .add(runtime_options(run.device, run.threads));
  return all;
}

void finish_image_run_options(const po::variables_map& vm, ImageRunOptions& run) {
  finish_attention_options(vm, run.attention);
  check_encoder_choices(run.model);
  if (run.patch < 1)
    throw UsageError(fmt::format("--patch must be at least 1, got {}", run.patch));
}

ImageModelOptions image_model_options(const ImageRunOptions& run, const ImageModelFacts& facts) {
  return ImageModelOptions(facts.channels, facts.height, facts.width, facts.num_classes,
                           encoder_from(run.attention, run.model))
      .patch(run.patch)
      .positional(parse_positional(run.model.positional))
      .pooling(parse_pooling(run.model.pooling))
      .dropout(run.model.dropout)
      .mean(facts.mean)
      .std(facts.std);
}

std::shared_ptr<ImageModelImpl> build_image_model(const ImageRunOptions& run,
                                                  const ImageModelFacts& facts) {
  if (facts.height % run.patch != 0 || facts.width % run.patch != 0) {
    throw UsageError(fmt::format("--patch {} does not divide the {}x{} images; choose a divisor",
                                 run.patch, facts.height, facts.width));
  }
  return std::make_shared<ImageModelImpl>(image_model_options(run, facts));
}

void check_image_size(const LoadedImageRun& run, int64_t channels, int64_t height, int64_t width,
                      const std::string& where) {
  if (channels != run.facts.channels) {
    throw std::runtime_error(fmt::format("{}: images have {} channels, the model takes {}", where,
                                         channels, run.facts.channels));
  }
  const auto error = image_size_error(image_model_options(run.options, run.facts), height, width);
  if (!error.empty())
    throw std::runtime_error(where + ": " + error);
}

void save_image_run(const std::string& dir, const po::variables_map& vm,
                    const ImageModelFacts& facts, const ImageTask& task) {
  nlohmann::json model = {{"channels", facts.channels}, {"height", facts.height},
                          {"width", facts.width},       {"num_classes", facts.num_classes},
                          {"mean", facts.mean},         {"std", facts.std},
                          {"dataset", task.name}};
  write_run_files(dir, vm, model, task.label_names);
}

LoadedImageRun load_image_run(const std::string& dir) {
  LoadedImageRun run;
  auto options = image_run_options(run.options);
  po::variables_map vm;
  read_run_config(dir, options, vm);
  finish_image_run_options(vm, run.options);
  const auto model = read_run_facts(dir);
  try {
    run.facts.channels = model.at("channels").get<int64_t>();
    run.facts.height = model.at("height").get<int64_t>();
    run.facts.width = model.at("width").get<int64_t>();
    run.facts.num_classes = model.at("num_classes").get<int64_t>();
    run.facts.mean = model.at("mean").get<std::vector<double>>();
    run.facts.std = model.at("std").get<std::vector<double>>();
  } catch (const std::exception& e) {
    throw std::runtime_error((fs::path(dir) / "model.json").string() + ": " + e.what());
  }
  run.label_names = read_lines_file(fs::path(dir) / "labels.txt");
  return run;
}

int train_image_model(const std::vector<std::string>& args) {
  ImageRunOptions run;
  auto options = image_run_options(run);
  po::variables_map vm;
  if (!parse("train", "--dataset idx|cifar --data PATH [options]", options, args, vm))
    return 0;
  if (run.trainer.resume)
    merge_resumed_config(run.trainer.out_dir, options, vm);
  finish_image_run_options(vm, run);
  run.trainer.device = resolve_device(run.device);
  const int threads = use_threads(run.threads);

  fmt::print("loading {} from {}\n", run.data.kind, run.data.data);
  std::fflush(stdout);
  auto task = load_image_task(run.data);
  fmt::print("{}: {} train / {} validation / {} test images of {}x{}x{}, {} classes\n", task.name,
             task.train.size(), task.validation.size(), task.test.size(), task.train.channels(),
             task.train.height(), task.train.width(), task.num_classes());

  ImageModelFacts facts;
  facts.channels = task.train.channels();
  facts.height = task.train.height();
  facts.width = task.train.width();
  facts.num_classes = task.num_classes();
  std::tie(facts.mean, facts.std) = task.train.channel_statistics();
  torch::manual_seed(run.trainer.seed);  // the initial weights follow --seed too
  auto model = build_image_model(run, facts);
  if (stage_fresh_run(run.trainer))
    save_image_run(run.trainer.out_dir, vm, facts, task);
  run.trainer.tags = {{"model", run.attention.name}, {"dataset", task.name}};
  return train_and_report(model, run.trainer, threads,
                          fmt::format("{} attention, {} layers, d_model {}, {} heads, {} tokens of "
                                      "{}x{} pixels",
                                      run.attention.name, run.model.layers, run.attention.d_model,
                                      run.attention.heads, model->patches(), run.patch, run.patch),
                          task.train, task.validation, task.test);
}

std::shared_ptr<ImageModelImpl> load_trained_image_model(const std::string& dir,
                                                         const LoadedImageRun& run) {
  auto model = build_image_model(run.options, run.facts);
  load_checkpoint((fs::path(dir) / "best.pt").string(), *model);
  model->eval();
  return model;
}

Evaluation evaluate_image_run(const std::string& run_dir, const ImageDataOptions& data,
                              const TrainerOptions& trainer) {
  auto run = load_image_run(run_dir);
  if (data.kind != run.options.data.kind) {
    throw UsageError("--dataset " + data.kind + ": the run was trained on " +
                     run.options.data.kind);
  }
  ImageDataOptions reading = run.options.data;  // the run's reading settings, the new data
  reading.data = data.data;
  reading.test_data.clear();
  auto examples = load_image_examples(reading, run.facts.num_classes);
  check_image_size(run, examples.channels(), examples.height(), examples.width(), data.data);
  auto model = load_trained_image_model(run_dir, run);
  model->to(trainer.device);
  return Trainer(model, trainer).evaluate(examples);
}

}  // namespace attnzoo::cli
