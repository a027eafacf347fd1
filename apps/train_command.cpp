// `attnzoo train`: builds a model around the chosen attention and trains it with the shared
// trainer on a dataset kind.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "apps/graph_run.h"
#include "apps/image_run.h"
#include "apps/launcher.h"
#include "apps/positions.h"
#include "apps/run_files.h"
#include "apps/speech_run.h"
#include "apps/text_run.h"
#include "apps/train_flow.h"
#include "core/runtime.h"
#include "datasets/text/text_file.h"
#include "datasets/text/word_class.h"

namespace attnzoo::cli {

namespace {

// The share of the most frequent label: the bar a model must clear to have learnt anything.
double majority_share(const TokenDataset& data, int64_t classes) {
  std::vector<int64_t> counts(static_cast<size_t>(classes), 0);
  int64_t total = 0;
  for (const auto& e : data.examples()) {
    if (data.labelling()) {
      for (auto tag : e.tags)
        ++counts[static_cast<size_t>(tag)];
      total += static_cast<int64_t>(e.tags.size());
    } else {
      ++counts[static_cast<size_t>(e.label)];
      ++total;
    }
  }
  return total > 0 ? static_cast<double>(*std::max_element(counts.begin(), counts.end())) / total
                   : 0.0;
}

}  // namespace

int run_train(const std::vector<std::string>& args) {
  // The dataset kind, before the options are parsed (they depend on it).
  const auto kind = given_option(args, "dataset");
  if (const auto status = launch_workers(args, is_graph_dataset_kind(kind)))
    return *status;  // this process started the workers and waited for them
  if (is_image_dataset_kind(kind))
    return train_image_model(args);
  if (is_speech_dataset_kind(kind))
    return train_speech_model(args);
  if (is_graph_dataset_kind(kind))
    return train_graph_model(args);
  // Checked before parsing, so that --show-config never prints a run for a kind that cannot train.
  if (!kind.empty() && !is_text_dataset_kind(kind)) {
    auto kinds = fmt::format("{}, {}, {}, {}", text_dataset_kinds(), speech_dataset_kinds(),
                             image_dataset_kinds(), graph_dataset_kinds());
    for (auto bar = kinds.find(" | "); bar != std::string::npos; bar = kinds.find(" | "))
      kinds.replace(bar, 3, ", ");
    throw UsageError(fmt::format("--dataset is '{}' (expected one of {})", kind, kinds));
  }
  // The kind's own defaults (text_run_defaults), below --config and the command line.
  auto run = text_run_defaults(kind.empty() ? TextDataOptions().kind : kind);
  auto options = text_run_options(run);
  po::variables_map vm;
  if (!parse("train", "[options]", options, args, vm))
    return 0;
  if (run.trainer.resume)
    merge_resumed_config(run.trainer.out_dir, options, vm);
  finish_text_run_options(vm, run);
  run.trainer.device = resolve_device(run.device);
  const int threads = use_threads(run.threads);

  fmt::print("loading {}{}\n", run.data.kind,
             run.data.data.empty() ? " (generated)" : " from " + run.data.data);
  std::fflush(stdout);
  auto task = load_text_task(run.data);
  fmt::print(
      "{}: {} train / {} validation / {} test examples, {} tokens in the vocabulary, {} {}\n",
      task.name, task.train.size(), task.validation.size(), task.test.size(),
      task.vocabulary.size(), task.num_classes(), task.labelling ? "tags" : "classes");

  TextModelFacts facts;
  facts.vocab_size = task.vocabulary.size();
  facts.num_classes = task.num_classes();
  facts.labelling = task.labelling;
  if (run.data.word_classes)
    facts.token_classes = word_class_ids(task.vocabulary);
  facts.max_length =
      resolve_max_length(run.model.positional, run.max_positions, task.max_length(), "tokens");
  torch::manual_seed(run.trainer.seed);  // the initial weights follow --seed too
  auto model = build_text_model(run, facts);
  if (stage_fresh_run(run.trainer))
    save_text_run(run.trainer.out_dir, vm, facts, task);
  run.trainer.tags = {{"model", run.attention.name}, {"dataset", task.name}};
  return train_and_report(
      model, run.trainer, threads,
      fmt::format("{} attention, {} layers, d_model {}, {} heads", run.attention.name,
                  run.model.layers, run.attention.d_model, run.attention.heads),
      task.train, task.validation, task.test,
      fmt::format(" (majority {} {:.4f})", task.labelling ? "tag" : "class",
                  majority_share(task.test, task.num_classes())));
}

}  // namespace attnzoo::cli
