#include "apps/speech_run.h"

#include <filesystem>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/positions.h"
#include "apps/run_files.h"
#include "apps/train_flow.h"
#include "core/runtime.h"
#include "training/checkpoint.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;

// Spoken words over 40-bin log-mel frames (FSDD: 99.3% on the official split): each frame sees
// 100 ms of past and of future (`truncated`, linear in the length, so recordings of any length
// cost their length), three layers, the mean over the frames; weight decay 0.05 and 30 epochs,
// the best validation epoch kept.
SpeechRunOptions::SpeechRunOptions() {
  attention.name = "truncated";
  attention.truncate_left = 10;
  attention.truncate_right = 10;
  attention.d_model = 128;
  trainer.epochs = 30;
  trainer.weight_decay = 0.05;
}

po::options_description speech_run_options(SpeechRunOptions& run) {
  auto& data = run.data;
  po::options_description data_options("Data");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  data_options.add_options()
      ("dataset", po::value<std::string>(&data.kind)->default_value(data.kind),
       ("dataset kind: " + speech_dataset_kinds()).c_str())
      ("data", po::value<std::string>(&data.data)->required(),
       "fsdd: the recordings directory; speech-folders: ROOT with ROOT/<label>/*.wav")
      ("test-data", po::value<std::string>(&data.test_data)->default_value(""),
       "take the test split from here")
      ("val-fraction", po::value<double>(&data.validation_fraction)
           ->default_value(data.validation_fraction, "0.1"), "seeded split: validation share")
      ("test-fraction", po::value<double>(&data.test_fraction)
           ->default_value(data.test_fraction, "0.1"),
       "seeded split: test share (when the data has no test split)")
      ("split-seed", po::value<uint64_t>(&data.split_seed)->default_value(0), "seed of the split")
      ("mel-bins", po::value<int64_t>(&data.num_mel_bins)->default_value(data.num_mel_bins),
       "log-mel filterbank bins per frame")
      ("resample", po::value<int64_t>(&data.resample)->default_value(0),
       "resample every file to this rate in Hz (0: all files must share one rate)")
      ("stack", po::value<int64_t>(&data.stack)->default_value(1),
       "stack this many consecutive frames into one vector")
      ("subsample", po::value<int64_t>(&data.subsample)->default_value(1),
       "keep every N-th (stacked) frame")
      ("test-speakers", po::value<std::string>(&run.test_speakers)->default_value(""),
       "fsdd: SPEAKER[,SPEAKER]: test on every recording of these speakers and train on the "
       "others (leave-speakers-out; default: recordings 0-4 of every speaker are the test set)");
  // clang-format on
  auto model = encoder_choice_options(run.model, "positional encoding: sinusoidal | learned | none",
                                      "utterance pooling: mean | cls");
  model.add(max_positions_option(run.max_positions, "frames"));
  // clang-format off
  model.add_options()
      ("utterance-norm", po::value<bool>(&run.utterance_norm)->default_value(run.utterance_norm),
       "subtract each utterance's mean frame before the training set's normalisation "
       "(cepstral mean normalisation: robust to new speakers and microphones)")
      ("freq-warp", po::value<double>(&run.freq_warp)->default_value(run.freq_warp),
       "training: stretch each utterance's filterbank axis by a random factor within 1 +- W")
      ("freq-mask", po::value<int64_t>(&run.freq_mask)->default_value(run.freq_mask),
       "training: blank a random band of up to N filterbank bins per utterance")
      ("time-mask", po::value<int64_t>(&run.time_mask)->default_value(run.time_mask),
       "training: blank a random span of up to N frames per utterance");
  // clang-format on
  po::options_description all;
  all.add(attention_options(run.attention))
      .add(data_options)
      .add(model)
      .add(trainer_options(run.trainer))
      .add(runtime_options(run.device, run.threads));
  return all;
}

void finish_speech_run_options(const po::variables_map& vm, SpeechRunOptions& run) {
  finish_attention_options(vm, run.attention);
  check_encoder_choices(run.model);
  if (run.data.stack < 1 || run.data.subsample < 1)
    throw UsageError("--stack and --subsample must be at least 1");
  run.data.test_speakers = split_list(run.test_speakers);
}

std::shared_ptr<SpeechModelImpl> build_speech_model(const SpeechRunOptions& run,
                                                    const SpeechModelFacts& facts) {
  auto encoder = encoder_from(run.attention, run.model);
  auto options = SpeechModelOptions(facts.feature_dim, facts.num_classes, encoder);
  if (facts.max_length > 0)
    options.max_positions(facts.max_length);
  return std::make_shared<SpeechModelImpl>(
      options.positional(parse_positional(run.model.positional))
          .pooling(parse_pooling(run.model.pooling))
          .dropout(run.model.dropout)
          .utterance_norm(run.utterance_norm)
          .freq_warp(run.freq_warp)
          .freq_mask(run.freq_mask)
          .time_mask(run.time_mask)
          .mean(facts.mean)
          .std(facts.std));
}

LoadedSpeechRun load_speech_run(const std::string& dir) {
  LoadedSpeechRun run;
  auto options = speech_run_options(run.options);
  po::variables_map vm;
  read_run_config(dir, options, vm);
  finish_speech_run_options(vm, run.options);
  const auto model = read_run_facts(dir);
  try {
    run.facts.feature_dim = model.at("feature_dim").get<int64_t>();
    run.facts.num_classes = model.at("num_classes").get<int64_t>();
    run.facts.max_length = read_max_length(model, run.options.model.positional, "max_frames");
    run.facts.sample_rate = model.at("sample_rate").get<int64_t>();
    run.facts.mean = model.at("mean").get<std::vector<double>>();
    run.facts.std = model.at("std").get<std::vector<double>>();
  } catch (const std::exception& e) {
    throw std::runtime_error((fs::path(dir) / "model.json").string() + ": " + e.what());
  }
  run.label_names = read_lines_file(fs::path(dir) / "labels.txt");
  return run;
}

int train_speech_model(const std::vector<std::string>& args) {
  SpeechRunOptions run;
  auto options = speech_run_options(run);
  po::variables_map vm;
  if (!parse("train", "--dataset fsdd|speech-folders --data PATH [options]", options, args, vm))
    return 0;
  if (run.trainer.resume)
    merge_resumed_config(run.trainer.out_dir, options, vm);
  finish_speech_run_options(vm, run);
  run.trainer.device = resolve_device(run.device);
  const int threads = use_threads(run.threads);

  fmt::print("loading {} from {}\n", run.data.kind, run.data.data);
  std::fflush(stdout);
  auto task = load_speech_task(run.data);
  if (!task.speakers.empty()) {
    std::string names;
    for (const auto& speaker : task.speakers)
      names += (names.empty() ? "" : ", ") + speaker;
    fmt::print("{} speakers: {}\n", task.speakers.size(), names);
  }
  fmt::print(
      "{}: {} train / {} validation / {} test utterances at {} Hz, {} classes, {} features "
      "per frame, up to {} frames\n",
      task.name, task.train.size(), task.validation.size(), task.test.size(), task.sample_rate,
      task.num_classes(), task.train.feature_dim(),
      std::max({task.train.max_length(), task.validation.max_length(), task.test.max_length()}));

  SpeechModelFacts facts;
  facts.feature_dim = task.train.feature_dim();
  facts.num_classes = task.num_classes();
  facts.sample_rate = task.sample_rate;
  const int64_t longest =
      std::max({task.train.max_length(), task.validation.max_length(), task.test.max_length()});
  facts.max_length = resolve_max_length(run.model.positional, run.max_positions, longest, "frames");
  std::tie(facts.mean, facts.std) = task.train.feature_statistics(run.utterance_norm);
  torch::manual_seed(run.trainer.seed);  // the initial weights follow --seed too
  auto model = build_speech_model(run, facts);
  if (stage_fresh_run(run.trainer)) {
    nlohmann::json json = {{"feature_dim", facts.feature_dim},
                           {"num_classes", facts.num_classes},
                           {"max_length", max_length_json(facts.max_length)},
                           {"sample_rate", facts.sample_rate},
                           {"mel_bins", run.data.num_mel_bins},
                           {"stack", run.data.stack},
                           {"subsample", run.data.subsample},
                           {"mean", facts.mean},
                           {"std", facts.std},
                           {"dataset", task.name}};
    write_run_files(run.trainer.out_dir, vm, json, task.label_names);
  }
  run.trainer.tags = {{"model", run.attention.name}, {"dataset", task.name}};
  return train_and_report(
      model, run.trainer, threads,
      fmt::format("{} attention, {} layers, d_model {}, {} heads", run.attention.name,
                  run.model.layers, run.attention.d_model, run.attention.heads),
      task.train, task.validation, task.test);
}

std::shared_ptr<SpeechModelImpl> load_trained_speech_model(const std::string& dir,
                                                           const LoadedSpeechRun& run) {
  auto model = build_speech_model(run.options, run.facts);
  load_checkpoint((fs::path(dir) / "best.pt").string(), *model);
  model->eval();
  return model;
}

Evaluation evaluate_speech_run(const std::string& run_dir, const SpeechDataOptions& data,
                               const TrainerOptions& trainer) {
  auto run = load_speech_run(run_dir);
  if (data.kind != run.options.data.kind) {
    throw UsageError("--dataset " + data.kind + ": the run was trained on " +
                     run.options.data.kind);
  }
  SpeechDataOptions reading = run.options.data;  // the run's frame settings, the new data
  reading.data = data.data;
  reading.test_data.clear();
  auto examples = load_speech_examples(reading, run.label_names, run.facts.sample_rate);
  check_input_length(run.facts.max_length, examples.max_length(), data.data, "an utterance",
                     "frames");
  auto model = load_trained_speech_model(run_dir, run);
  model->to(trainer.device);
  return Trainer(model, trainer).evaluate(examples);
}

}  // namespace attnzoo::cli
