#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/core.h>

#include "apps/command.h"
#include "apps/launcher.h"
#include "apps/option_ranges.h"
#include "apps/run_files.h"
#include "datasets/text/text_file.h"

#include "core/runtime.h"
#include "models/pooling.h"
#include "models/positional_encoding.h"

namespace attnzoo::cli {

int run_list(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_patterns(const std::vector<std::string>& args);
int run_export(const std::vector<std::string>& args);
int run_predict(const std::vector<std::string>& args);
int run_compare(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"list", "list the registered attention variants", run_list},
      {"train", "train a model and report its metrics", run_train},
      {"eval", "measure a trained run on another dataset of the same kind", run_eval},
      {"bench", "time attention variants against dense and torch-mha, with peak memory", run_bench},
      {"patterns", "draw each sparse variant's allowed (query, key) pairs as PNG", run_patterns},
      {"compare", "train several variants on one dataset under one budget: table and plots",
       run_compare},
      {"export", "write a trained run as TorchScript for C++ and Python", run_export},
      {"predict", "label new input (text, WAV, images, graphs) with an exported model or a run",
       run_predict},
  };
  return table;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty())
      items.push_back(item);
  }
  return items;
}

bool parse(const std::string& command, const std::string& usage, po::options_description& options,
           const std::vector<std::string>& args, po::variables_map& vm,
           const po::positional_options_description* positional) {
  std::string config_file;
  po::options_description general("General");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  general.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(&config_file),
      "read options from an INI file (key = value); command-line flags win")(
      "show-config", "print the options this command would run with (defaults, --config file "
      "and flags), as an INI file --config reads, and exit");
  // clang-format on
  po::options_description all;
  all.add(general).add(options);

  auto parser = po::command_line_parser(args).options(all);
  if (positional)
    parser.positional(*positional);
  po::store(parser.run(), vm);
  if (vm.count("help")) {
    fmt::print("usage: attnzoo {} {}\n", command, usage);
    std::cout << all << "\n";
    return false;
  }
  if (vm.count("config")) {
    const auto path = vm["config"].as<std::string>();
    std::error_code error;
    if (std::filesystem::is_directory(path, error))  // a folder opens as an empty stream
      throw UsageError("config file '" + path + "' is a directory (expected an INI file)");
    std::ifstream in(path);
    if (!in)
      throw UsageError("cannot open config file '" + path + "'");
    try {
      // Values already stored from the command line are kept: po::store never overwrites.
      po::store(po::parse_config_file(in, options, /*allow_unregistered=*/false), vm);
    } catch (const po::error& e) {
      throw UsageError("config file '" + path + "': " + e.what());
    }
  }
  po::notify(vm);
  check_option_ranges(command, vm);
  if (vm.count("show-config")) {
    fmt::print("{}", resolved_config(vm));
    return false;
  }
  return true;
}

po::options_description attention_options(AttentionConfig& config) {
  po::options_description options("Attention");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  options.add_options()
      ("model", po::value<std::string>(&config.name)->default_value(config.name),
       "attention variant (see `attnzoo list`)")
      ("d-model", po::value<int64_t>(&config.d_model)->default_value(config.d_model),
       "model width")
      ("heads", po::value<int64_t>(&config.heads)->default_value(config.heads),
       "attention heads (must divide d-model)")
      ("attention-dropout", po::value<double>(&config.dropout)
           ->default_value(config.dropout, fmt::format("{}", config.dropout)),
       "dropout on attention weights")
      ("score", po::value<std::string>()->default_value(to_string(config.score)),
       "scoring: dot | additive")
      ("normalization", po::value<std::string>()->default_value(to_string(config.normalization)),
       "weights from scores: softmax | relu")
      ("window", po::value<int64_t>(&config.window)->default_value(config.window),
       "local, longformer, stride: keys with |i - j| <= window (2 * window + 1 keys; -1: none "
       "for stride)")
      ("truncate-left", po::value<int64_t>(&config.truncate_left)->default_value(config.truncate_left),
       "truncated: keys before the query")
      ("truncate-right",
       po::value<int64_t>(&config.truncate_right)->default_value(config.truncate_right),
       "truncated: keys after the query (0: streaming)")
      ("stride", po::value<int64_t>(&config.stride)->default_value(config.stride),
       "stride: keys with (i - j) mod stride == 0")
      ("globals", po::value<int64_t>(&config.globals)->default_value(config.globals),
       "global, longformer: the first N tokens are global")
      ("dilation", po::value<std::string>()->default_value(""),
       "longformer: window dilation, one value or one per head, comma-separated (empty: 1)")
      ("block-size", po::value<int64_t>(&config.block_size)->default_value(config.block_size),
       "bigbird: block size")
      ("window-blocks",
       po::value<int64_t>(&config.window_blocks)->default_value(config.window_blocks),
       "bigbird: window in blocks (odd)")
      ("global-blocks",
       po::value<int64_t>(&config.global_blocks)->default_value(config.global_blocks),
       "bigbird: global blocks (half at each end)")
      ("random-blocks",
       po::value<int64_t>(&config.random_blocks)->default_value(config.random_blocks),
       "bigbird: random key blocks per query block")
      ("pattern-seed", po::value<uint64_t>(&config.pattern_seed)->default_value(config.pattern_seed),
       "bigbird: seed of the random blocks")
      ("kernel-block", po::value<int64_t>(&config.kernel_block)->default_value(config.kernel_block),
       "truncated, local, stride, longformer: kernel block size (0: automatic; speed only)")
      ("causal", po::value<bool>(&config.causal)->default_value(config.causal)->implicit_value(true),
       "linear: each query sees only the keys up to its own position")
      ("linear-chunk",
       po::value<int64_t>(&config.linear_chunk)->default_value(config.linear_chunk),
       "linear with --causal: queries per chunk of the cumulative sum (speed and memory only)")
      ("conv-kernel", po::value<int64_t>(&config.conv_kernel)->default_value(config.conv_kernel),
       "cnn: convolution kernel size (odd; k x k patches on images)");
  // clang-format on
  return options;
}

po::options_description graph_attention_options(AttentionConfig& config) {
  po::options_description options("Graph attention");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  options.add_options()
      ("model", po::value<std::string>(&config.name)->default_value(config.name),
       "graph attention variant: gat | graph (see `attnzoo list`)")
      ("d-model", po::value<int64_t>(&config.d_model)->default_value(config.d_model),
       "hidden width: the heads' features concatenated")
      ("heads", po::value<int64_t>(&config.heads)->default_value(config.heads),
       "heads of the hidden layers (must divide d-model)")
      ("attention-dropout", po::value<double>(&config.dropout)
           ->default_value(config.dropout, fmt::format("{}", config.dropout)),
       "dropout on attention coefficients")
      ("negative-slope", po::value<double>(&config.negative_slope)
           ->default_value(config.negative_slope, fmt::format("{}", config.negative_slope)),
       "gat: slope of the LeakyReLU on the scores");
  // clang-format on
  return options;
}

void finish_attention_options(const po::variables_map& vm, AttentionConfig& config) {
  try {
    config.score = parse_score(vm["score"].as<std::string>());
    config.normalization = parse_normalization(vm["normalization"].as<std::string>());
    config.dilation.clear();
    const auto dilation = vm["dilation"].as<std::string>();
    std::stringstream items(dilation);
    for (std::string item; std::getline(items, item, ',');) {
      size_t used = 0;
      int64_t value = 0;
      try {
        value = std::stoll(item, &used);
      } catch (const std::exception&) {
      }
      if (used == 0 || used != item.size() || value < 1) {
        throw UsageError("--dilation: expected positive integers separated by commas, got '" +
                         dilation + "'");
      }
      config.dilation.push_back(value);
    }
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

po::options_description encoder_choice_options(EncoderChoices& choices,
                                               const std::string& positional_help,
                                               const std::string& pooling_help) {
  po::options_description model("Model");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  model.add_options()
      ("layers", po::value<int64_t>(&choices.layers)->default_value(choices.layers),
       "encoder layers")
      ("mlp-dim", po::value<int64_t>(&choices.mlp_dim)->default_value(choices.mlp_dim),
       "MLP width (0: 4 x d-model)")
      ("dropout", po::value<double>(&choices.dropout)
           ->default_value(choices.dropout, fmt::format("{}", choices.dropout)), "dropout")
      ("positional", po::value<std::string>(&choices.positional)
           ->default_value(choices.positional), positional_help.c_str())
      ("pooling", po::value<std::string>(&choices.pooling)->default_value(choices.pooling),
       pooling_help.c_str());
  // clang-format on
  return model;
}

void check_encoder_choices(const EncoderChoices& choices) {
  try {
    parse_positional(choices.positional);
    parse_pooling(choices.pooling);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

EncoderOptions encoder_from(const AttentionConfig& attention, const EncoderChoices& choices) {
  return EncoderOptions(
      EncoderLayerOptions(attention).mlp_dim(choices.mlp_dim).dropout(choices.dropout),
      choices.layers);
}

namespace {

// parse(name), with its std::invalid_argument turned into a UsageError ("--" + its message).
template <typename Parse>
auto parsed_or_usage_error(Parse parse, const std::string& name, const std::string& prefix) {
  try {
    return parse(name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(prefix + e.what());
  }
}

}  // namespace

po::options_description trainer_options(TrainerOptions& trainer) {
  po::options_description training("Training");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  training.add_options()
      ("out", po::value<std::string>(&trainer.out_dir)->default_value("runs/latest"),
       "run directory")
      ("resume", po::bool_switch(&trainer.resume), "continue the run in --out from its last epoch")
      ("epochs", po::value<int64_t>(&trainer.epochs)->default_value(trainer.epochs), "epochs")
      ("stop-after-epochs", po::value<int64_t>(&trainer.stop_after_epochs)->default_value(0),
       "stop this invocation after N epochs; --resume continues (0: no limit)")
      ("batch-size", po::value<int64_t>(&trainer.batch_size)->default_value(trainer.batch_size),
       "batch size")
      ("max-steps", po::value<int64_t>(&trainer.max_steps)->default_value(trainer.max_steps),
       "budget: stop after N optimizer steps; the schedule spans them (0: --epochs decides)")
      ("max-minutes", po::value<double>()->default_value(0.0, "0")
           ->notifier([&trainer](double minutes) { trainer.max_seconds = minutes * 60.0; }),
       "budget: stop once training has taken M minutes (0: none)")
      ("train-fraction", po::value<double>(&trainer.train_fraction)->default_value(1.0, "1"),
       "train on this seeded fraction of the training split (0 < f <= 1)")
      ("lr", po::value<double>(&trainer.lr)->default_value(trainer.lr, fmt::format("{}", trainer.lr)),
       "peak learning rate")
      ("weight-decay", po::value<double>(&trainer.weight_decay)
           ->default_value(trainer.weight_decay, fmt::format("{}", trainer.weight_decay)),
       "weight decay (see --optimizer)")
      ("optimizer", po::value<std::string>()->default_value(to_string(trainer.optimizer))
           ->notifier([&trainer](const std::string& name) {
             trainer.optimizer = parsed_or_usage_error(parse_optimizer, name, "--");
           }),
       "adamw (decoupled decay on weight matrices) | adam (L2 penalty on every parameter)")
      ("schedule", po::value<std::string>()->default_value(to_string(trainer.schedule))
           ->notifier([&trainer](const std::string& name) {
             trainer.schedule = parsed_or_usage_error(parse_schedule, name, "--");
           }),
       "learning rate after warm-up: cosine (decay to 0) | constant")
      ("warmup", po::value<double>(&trainer.warmup_fraction)
           ->default_value(trainer.warmup_fraction, fmt::format("{}", trainer.warmup_fraction)),
       "fraction of steps spent warming up")
      ("clip-norm", po::value<double>(&trainer.clip_norm)
           ->default_value(trainer.clip_norm, fmt::format("{}", trainer.clip_norm)),
       "gradient clipping norm (0: off)")
      ("patience", po::value<int64_t>(&trainer.patience)->default_value(trainer.patience),
       "early stopping patience in epochs (0: off)")
      ("early-stopping", po::value<std::string>()->default_value(to_string(trainer.early_stopping))
           ->notifier([&trainer](const std::string& name) {
             trainer.early_stopping = parsed_or_usage_error(parse_early_stopping, name, "--");
           }),
       "accuracy (keep the best validation accuracy) | accuracy-or-loss (GAT: patience resets "
       "when either improves)")
      ("seed", po::value<uint64_t>(&trainer.seed)->default_value(trainer.seed),
       "seed of initialisation and batch order")
      ("log-every", po::value<int64_t>(&trainer.log_every)->default_value(trainer.log_every),
       "steps between log lines off a terminal")
      ("log-epochs", po::value<int64_t>(&trainer.log_epochs)->default_value(trainer.log_epochs),
       "print the epoch line every N epochs (and the first and last)");
  // clang-format on
  training.add(launch_options(launch_settings()));
  return training;
}

po::options_description runtime_options(std::string& device, int& threads) {
  po::options_description options("Runtime");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  options.add_options()
      ("device", po::value<std::string>(&device)->default_value("auto"), "cpu | cuda | cuda:N | auto")
      ("threads", po::value<int>(&threads)->default_value(0), "CPU threads (0: all cores)")
      ("max-line-bytes", po::value<int64_t>()->default_value(int64_t{1} << 20)
           ->notifier([](int64_t bytes) { set_max_line_bytes(static_cast<size_t>(bytes)); }),
       "longest line a text reader takes (a longer one is an error naming it)");
  // clang-format on
  return options;
}

}  // namespace attnzoo::cli
