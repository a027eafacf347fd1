// `attnzoo train`: builds a model around the chosen attention and trains it with the shared
// trainer.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <fmt/core.h>
#include <boost/any.hpp>

#include "apps/command.h"
#include "datasets/generated_listops.h"
#include "models/sequence_classifier.h"
#include "training/checkpoint.h"
#include "training/progress.h"
#include "training/runtime.h"
#include "training/trainer.h"

namespace attnzoo::cli {

namespace {

// The resolved configuration as an INI file that `--config` reads back.
std::string resolved_config(const po::variables_map& vm) {
  std::ostringstream out;
  for (const auto& [key, value] : vm) {
    if (key == "config" || key == "help") continue;
    const auto& v = value.value();
    if (auto s = boost::any_cast<std::string>(&v)) out << key << " = " << *s << "\n";
    else if (auto i = boost::any_cast<int64_t>(&v)) out << key << " = " << *i << "\n";
    else if (auto n = boost::any_cast<int>(&v)) out << key << " = " << *n << "\n";
    else if (auto u = boost::any_cast<uint64_t>(&v)) out << key << " = " << *u << "\n";
    else if (auto d = boost::any_cast<double>(&v)) out << key << " = " << fmt::format("{}", *d) << "\n";
  }
  return out.str();
}

}  // namespace

int run_train(const std::vector<std::string>& args) {
  AttentionConfig attention;
  attention.d_model = 64;
  attention.heads = 4;
  TrainerOptions trainer;
  GeneratedListOpsOptions listops;
  // The built-in demo: short generated ListOps, learnable in minutes on a laptop CPU.
  listops.expressions.min_length = 10;
  listops.expressions.max_length = 60;
  listops.expressions.max_depth = 4;
  listops.expressions.max_args = 5;
  listops.train = 20000;
  listops.validation = 1000;
  listops.test = 1000;
  std::string dataset, out, positional, pooling, device;
  int64_t layers = 2, mlp_dim = 0, max_length = 0;
  double dropout = 0.1;
  int threads = 0;

  po::options_description data("Data");
  data.add_options()
      ("dataset", po::value<std::string>(&dataset)->default_value("listops"),
       "dataset kind: listops (generated)")
      ("train-size", po::value<int64_t>(&listops.train)->default_value(listops.train),
       "generated training examples")
      ("val-size", po::value<int64_t>(&listops.validation)->default_value(listops.validation),
       "generated validation examples")
      ("test-size", po::value<int64_t>(&listops.test)->default_value(listops.test),
       "generated test examples")
      ("min-length", po::value<int64_t>(&listops.expressions.min_length)
           ->default_value(listops.expressions.min_length), "shortest generated expression (tokens)")
      ("max-length", po::value<int64_t>(&listops.expressions.max_length)
           ->default_value(listops.expressions.max_length), "longest generated expression (tokens)")
      ("max-depth", po::value<int>(&listops.expressions.max_depth)
           ->default_value(listops.expressions.max_depth), "deepest nesting of generated expressions")
      ("max-args", po::value<int>(&listops.expressions.max_args)
           ->default_value(listops.expressions.max_args), "most arguments of a generated operator")
      ("data-seed", po::value<uint64_t>(&listops.seed)->default_value(0), "seed of the generator");
  po::options_description model("Model");
  model.add_options()
      ("layers", po::value<int64_t>(&layers)->default_value(layers), "encoder layers")
      ("mlp-dim", po::value<int64_t>(&mlp_dim)->default_value(mlp_dim), "MLP width (0: 4 x d-model)")
      ("dropout", po::value<double>(&dropout)->default_value(dropout), "dropout")
      ("positional", po::value<std::string>(&positional)->default_value("sinusoidal"),
       "positional encoding: sinusoidal | learned | none")
      ("pooling", po::value<std::string>(&pooling)->default_value("cls"), "cls | mean")
      ("max-positions", po::value<int64_t>(&max_length)->default_value(0),
       "longest input the model accepts (0: the longest in the data)");
  po::options_description training("Training");
  training.add_options()
      ("out", po::value<std::string>(&out)->default_value("runs/latest"), "run directory")
      ("epochs", po::value<int64_t>(&trainer.epochs)->default_value(3), "epochs")
      ("batch-size", po::value<int64_t>(&trainer.batch_size)->default_value(32), "batch size")
      ("lr", po::value<double>(&trainer.lr)->default_value(1e-3, "0.001"), "peak learning rate")
      ("weight-decay", po::value<double>(&trainer.weight_decay)->default_value(0.01, "0.01"),
       "AdamW weight decay")
      ("warmup", po::value<double>(&trainer.warmup_fraction)->default_value(0.1, "0.1"),
       "fraction of steps spent warming up")
      ("clip-norm", po::value<double>(&trainer.clip_norm)->default_value(1.0, "1"),
       "gradient clipping norm (0: off)")
      ("patience", po::value<int64_t>(&trainer.patience)->default_value(0),
       "early stopping patience in epochs (0: off)")
      ("seed", po::value<uint64_t>(&trainer.seed)->default_value(0), "seed of initialisation and order")
      ("log-every", po::value<int64_t>(&trainer.log_every)->default_value(50),
       "steps between log lines off a terminal");
  po::options_description options;
  options.add(attention_options(attention)).add(data).add(model).add(training)
      .add(runtime_options(device, threads));
  po::variables_map vm;
  if (!parse("train", "[options]", options, args, vm)) return 0;
  finish_attention_options(vm, attention);

  if (dataset != "listops") {
    throw UsageError("--dataset: unknown kind '" + dataset + "' (available: listops)");
  }
  PositionalKind positional_kind;
  Pooling pooling_kind;
  try {
    positional_kind = parse_positional(positional);
    pooling_kind = parse_pooling(pooling);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  trainer.device = resolve_device(device);
  const int used_threads = use_threads(threads);

  fmt::print("generating ListOps: {} train / {} val / {} test, {}..{} tokens\n", listops.train,
             listops.validation, listops.test, listops.expressions.min_length,
             listops.expressions.max_length);
  std::fflush(stdout);
  auto task = make_generated_listops(listops);

  auto encoder = EncoderOptions(EncoderLayerOptions(attention).mlp_dim(mlp_dim).dropout(dropout),
                                layers);
  auto classifier = std::make_shared<SequenceClassifierImpl>(
      SequenceClassifierOptions(task.vocabulary.size(), task.num_classes(), encoder)
          .max_length(max_length > 0 ? max_length : task.max_length())
          .positional(positional_kind)
          .pooling(pooling_kind)
          .dropout(dropout));

  trainer.out_dir = out;
  trainer.tags = {{"model", attention.name}, {"dataset", task.name}};
  std::filesystem::create_directories(out);
  write_file_atomically((std::filesystem::path(out) / "config.ini").string(), resolved_config(vm));
  fmt::print("model: {} attention, {} layers, d_model {}, {} heads, {} parameters; {} on {} ({} threads)\n",
             attention.name, layers, attention.d_model, attention.heads,
             count_parameters(*classifier), task.name, trainer.device.str(), used_threads);
  std::fflush(stdout);  // before the progress bar starts on stderr

  Trainer runner(classifier, trainer);
  auto result = runner.fit(task.train, task.validation, &task.test);
  // The majority class is the bar to beat: ListOps labels are far from uniform.
  std::vector<int64_t> counts(static_cast<size_t>(task.num_classes()), 0);
  for (const auto& e : task.test.examples()) ++counts[static_cast<size_t>(e.label)];
  const double majority = static_cast<double>(*std::max_element(counts.begin(), counts.end())) /
                          std::max<int64_t>(1, task.test.size());
  fmt::print(
      "\nfinal: test accuracy {:.4f} (majority class {:.4f}), best val accuracy {:.4f} (epoch {}), "
      "{} steps in {}, peak memory {:.0f} MB\nrun directory: {}\n",
      result.test.accuracy, majority, result.best_validation.accuracy,
      result.best_epoch, result.steps, format_duration(result.train_seconds),
      result.peak_rss_bytes / 1e6, out);
  return 0;
}

}  // namespace attnzoo::cli
