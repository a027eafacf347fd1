#include "apps/text_run.h"

#include <boost/any.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "datasets/text/word_class.h"
#include "training/checkpoint.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;

po::options_description text_run_options(TextRunOptions& run) {
  auto& data = run.data;
  auto& listops = data.listops;
  auto& trainer = run.trainer;
  po::options_description data_options("Data");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  data_options.add_options()
      ("dataset", po::value<std::string>(&data.kind)->default_value(data.kind),
       ("dataset kind: " + text_dataset_kinds()).c_str())
      ("data", po::value<std::string>(&data.data)->default_value(""),
       "file, directory, or comma-separated files (listops: empty generates the data)")
      ("test-data", po::value<std::string>(&data.test_data)->default_value(""),
       "take the test split from here")
      ("tokenizer", po::value<std::string>(&data.tokenizer)->default_value(data.tokenizer),
       "words | chars | bytes")
      ("min-frequency", po::value<int64_t>(&data.min_frequency)->default_value(data.min_frequency),
       "rarer training words map to the unknown token")
      ("word-classes", po::value<bool>(&data.word_classes)->default_value(false),
       "words: an unknown word maps to a class by its shape and suffix (learned from the "
       "training words rarer than --min-frequency), and every word adds its class's embedding")
      ("lowercase", po::value<bool>(&data.lowercase)->default_value(false), "lower ASCII letters")
      ("max-tokens", po::value<int64_t>(&data.max_tokens)->default_value(0),
       "cut longer examples (0: no limit)")
      ("val-fraction", po::value<double>(&data.validation_fraction)
           ->default_value(data.validation_fraction, "0.1"), "seeded split: validation share")
      ("test-fraction", po::value<double>(&data.test_fraction)
           ->default_value(data.test_fraction, "0.1"), "seeded split: test share")
      ("split-seed", po::value<uint64_t>(&data.split_seed)->default_value(0), "seed of the split")
      ("label-from", po::value<std::string>(&data.label_from)->default_value(data.label_from),
       "text-lines: extension | prefix")
      ("separator", po::value<std::string>(&data.separator)->default_value(""),
       "text-lines prefix mode: label separator (default: first whitespace)")
      ("label-column", po::value<std::string>(&data.label_column)->default_value(data.label_column),
       "tsv: label column, by header name or 0-based index")
      ("text-column", po::value<std::string>(&data.text_column)->default_value(data.text_column),
       "tsv: text column")
      ("header", po::value<bool>(&data.header)->default_value(false), "tsv: first line names columns")
      ("tag-column", po::value<std::string>(&data.tag_column)->default_value(data.tag_column),
       "conllu: upos | xpos")
      ("train-size", po::value<int64_t>(&listops.train)->default_value(listops.train),
       "generated listops: training examples")
      ("val-size", po::value<int64_t>(&listops.validation)->default_value(listops.validation),
       "generated listops: validation examples")
      ("test-size", po::value<int64_t>(&listops.test)->default_value(listops.test),
       "generated listops: test examples")
      ("min-length", po::value<int64_t>(&listops.expressions.min_length)
           ->default_value(listops.expressions.min_length), "generated listops: shortest (tokens)")
      ("max-length", po::value<int64_t>(&listops.expressions.max_length)
           ->default_value(listops.expressions.max_length), "generated listops: longest (tokens)")
      ("max-depth", po::value<int>(&listops.expressions.max_depth)
           ->default_value(listops.expressions.max_depth), "generated listops: deepest nesting")
      ("max-args", po::value<int>(&listops.expressions.max_args)
           ->default_value(listops.expressions.max_args), "generated listops: most arguments")
      ("data-seed", po::value<uint64_t>(&listops.seed)->default_value(listops.seed),
       "generated listops: seed");
  // clang-format on
  po::options_description model("Model");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  model.add_options()
      ("layers", po::value<int64_t>(&run.layers)->default_value(run.layers), "encoder layers")
      ("mlp-dim", po::value<int64_t>(&run.mlp_dim)->default_value(run.mlp_dim),
       "MLP width (0: 4 x d-model)")
      ("dropout", po::value<double>(&run.dropout)->default_value(run.dropout, "0.1"), "dropout")
      ("positional", po::value<std::string>(&run.positional)->default_value(run.positional),
       "positional encoding: sinusoidal | learned | none")
      ("pooling", po::value<std::string>(&run.pooling)->default_value(run.pooling),
       "classification pooling: cls | mean")
      ("max-positions", po::value<int64_t>(&run.max_positions)->default_value(run.max_positions),
       "longest input the model accepts (0: the longest in the data)");
  // clang-format on
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
      ("lr", po::value<double>(&trainer.lr)->default_value(trainer.lr, fmt::format("{}", trainer.lr)),
       "peak learning rate")
      ("weight-decay", po::value<double>(&trainer.weight_decay)
           ->default_value(trainer.weight_decay, fmt::format("{}", trainer.weight_decay)),
       "AdamW weight decay")
      ("warmup", po::value<double>(&trainer.warmup_fraction)
           ->default_value(trainer.warmup_fraction, fmt::format("{}", trainer.warmup_fraction)),
       "fraction of steps spent warming up")
      ("clip-norm", po::value<double>(&trainer.clip_norm)
           ->default_value(trainer.clip_norm, fmt::format("{}", trainer.clip_norm)),
       "gradient clipping norm (0: off)")
      ("patience", po::value<int64_t>(&trainer.patience)->default_value(trainer.patience),
       "early stopping patience in epochs (0: off)")
      ("seed", po::value<uint64_t>(&trainer.seed)->default_value(trainer.seed),
       "seed of initialisation and batch order")
      ("log-every", po::value<int64_t>(&trainer.log_every)->default_value(trainer.log_every),
       "steps between log lines off a terminal");
  // clang-format on
  po::options_description all;
  all.add(attention_options(run.attention))
      .add(data_options)
      .add(model)
      .add(training)
      .add(runtime_options(run.device, run.threads));
  return all;
}

void finish_text_run_options(const po::variables_map& vm, TextRunOptions& run) {
  finish_attention_options(vm, run.attention);
  try {
    parse_positional(run.positional);
    parse_pooling(run.pooling);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

std::shared_ptr<TextModelImpl> build_text_model(const TextRunOptions& run,
                                                const TextModelFacts& facts) {
  auto encoder = EncoderOptions(
      EncoderLayerOptions(run.attention).mlp_dim(run.mlp_dim).dropout(run.dropout), run.layers);
  return std::make_shared<TextModelImpl>(
      TextModelOptions(facts.vocab_size, facts.num_classes, encoder)
          .max_length(facts.max_positions)
          .positional(parse_positional(run.positional))
          .pooling(parse_pooling(run.pooling))
          .labelling(facts.labelling)
          .dropout(run.dropout)
          .token_classes(facts.token_classes));
}

namespace {

// One token per line; backslash and newline escaped so any token survives the round trip.
std::string escape_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out;
}

std::string unescape_line(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char next = s[++i];
      out += next == 'n' ? '\n' : next == 'r' ? '\r' : next;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string lines_file(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items)
    text += escape_line(item) + "\n";
  return text;
}

std::vector<std::string> read_lines_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path.string() + ": missing from the run directory");
  std::vector<std::string> items;
  for (std::string line; std::getline(in, line);)
    items.push_back(unescape_line(line));
  return items;
}

// The resolved configuration as an INI file that `--config` reads back.
std::string resolved_config(const po::variables_map& vm) {
  std::ostringstream out;
  for (const auto& [key, value] : vm) {
    // Per-invocation switches are not part of the run's configuration.
    if (key == "config" || key == "help" || key == "resume" || key == "stop-after-epochs")
      continue;
    const auto& v = value.value();
    if (auto s = boost::any_cast<std::string>(&v))
      out << key << " = " << *s << "\n";
    else if (auto i = boost::any_cast<int64_t>(&v))
      out << key << " = " << *i << "\n";
    else if (auto n = boost::any_cast<int>(&v))
      out << key << " = " << *n << "\n";
    else if (auto u = boost::any_cast<uint64_t>(&v))
      out << key << " = " << *u << "\n";
    else if (auto b = boost::any_cast<bool>(&v))
      out << key << " = " << (*b ? "true" : "false") << "\n";
    else if (auto d = boost::any_cast<double>(&v))
      out << key << " = " << fmt::format("{}", *d) << "\n";
  }
  return out.str();
}

}  // namespace

void save_text_run(const std::string& dir, const po::variables_map& vm, const TextModelFacts& facts,
                   const TextTask& task) {
  fs::create_directories(dir);
  write_file_atomically((fs::path(dir) / "config.ini").string(), resolved_config(vm));
  nlohmann::json model = {{"vocab_size", facts.vocab_size},
                          {"num_classes", facts.num_classes},
                          {"labelling", facts.labelling},
                          {"max_positions", facts.max_positions},
                          {"dataset", task.name}};
  write_file_atomically((fs::path(dir) / "model.json").string(), model.dump(2) + "\n");
  write_file_atomically((fs::path(dir) / "vocab.txt").string(),
                        lines_file(task.vocabulary.tokens()));
  write_file_atomically((fs::path(dir) / "labels.txt").string(), lines_file(task.label_names));
}

LoadedTextRun load_text_run(const std::string& dir) {
  LoadedTextRun run;
  const fs::path root(dir);
  if (!fs::is_directory(root))
    throw UsageError("--run " + dir + ": not a run directory");
  po::options_description options = text_run_options(run.options);
  po::variables_map vm;
  const auto config_path = (root / "config.ini").string();
  std::ifstream config(config_path);
  if (!config)
    throw std::runtime_error(config_path + ": missing from the run directory");
  try {
    po::store(po::parse_config_file(config, options, /*allow_unregistered=*/false), vm);
    po::notify(vm);
    finish_text_run_options(vm, run.options);
  } catch (const std::exception& e) {
    throw std::runtime_error(config_path + ": " + e.what());
  }
  const auto model_path = root / "model.json";
  std::ifstream model_file(model_path);
  if (!model_file)
    throw std::runtime_error(model_path.string() + ": missing from the run directory");
  try {
    auto model = nlohmann::json::parse(model_file);
    run.facts.vocab_size = model.at("vocab_size").get<int64_t>();
    run.facts.num_classes = model.at("num_classes").get<int64_t>();
    run.facts.labelling = model.at("labelling").get<bool>();
    run.facts.max_positions = model.at("max_positions").get<int64_t>();
  } catch (const std::exception& e) {
    throw std::runtime_error(model_path.string() + ": " + e.what());
  }
  auto tokens = read_lines_file(root / "vocab.txt");
  // Ids 0 and 1 are the padding and unknown tokens every Vocabulary starts with.
  for (size_t i = 2; i < tokens.size(); ++i)
    run.vocabulary.add(tokens[i]);
  if (run.vocabulary.size() != run.facts.vocab_size) {
    throw std::runtime_error((root / "vocab.txt").string() + ": has " +
                             std::to_string(run.vocabulary.size()) + " tokens, model.json says " +
                             std::to_string(run.facts.vocab_size));
  }
  if (run.options.data.word_classes)
    run.facts.token_classes = word_class_ids(run.vocabulary);
  run.label_names = read_lines_file(root / "labels.txt");
  return run;
}

}  // namespace attnzoo::cli
