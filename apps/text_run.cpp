#include "apps/text_run.h"

#include <filesystem>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/positions.h"
#include "apps/run_files.h"
#include "datasets/text/word_class.h"
#include "training/checkpoint.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;

TextRunOptions text_run_defaults(const std::string& kind) {
  TextRunOptions run;
  run.data.kind = kind;
  if (kind == "text-lines" || kind == "tsv") {
    // Sentence classification from scratch (rt-polarity: 76%): a classifier of a few thousand
    // sentences overfits within two or three epochs, so strong dropout, a short schedule (the
    // best validation epoch is kept) and words seen at least twice. Word order matters little to
    // it: no positions, and the mean over the words.
    run.attention.d_model = 128;
    run.data.min_frequency = 2;
    run.model.dropout = 0.5;
    run.model.positional = "none";
    run.model.pooling = "mean";
    run.trainer.epochs = 6;
  } else if (kind == "conllu") {
    // Tagging from scratch (UD English-LinES: 93.4% UPOS; EWT): a word seen fewer than 3
    // times maps to a class by its shape and suffix, and word dropout trains those classes on
    // every word, so that the words the training split never saw are tagged from form and context.
    run.attention.d_model = 256;
    run.data.min_frequency = 3;
    run.data.word_classes = true;
    run.word_dropout = 0.1;
    run.model.dropout = 0.2;
    run.model.pooling = "mean";  // unused by a tagger; kept so its config.ini reads as before
    run.trainer.epochs = 30;
  } else if (kind == "listops") {
    // ListOps (the published spec: 37.5%): the first token, the root operator whose value is the
    // answer, sees and is seen by every token (`global`), at a cost linear in the length; Long
    // Range Arena's budget of 5,000 steps of 32.
    run.attention.name = "global";
    run.model.pooling = "mean";
    run.trainer.epochs = 100;
    run.trainer.max_steps = 5000;
  }
  return run;
}

po::options_description text_run_options(TextRunOptions& run) {
  auto& data = run.data;
  auto& listops = data.listops;
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
      ("word-classes", po::value<bool>(&data.word_classes)->default_value(data.word_classes),
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
      ("label-separator", po::value<std::string>(&data.label_separator)->default_value(""),
       "text-lines prefix mode: keep the label's part before this (':' turns TREC's "
       "DESC:manner into DESC)")
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
  auto model = encoder_choice_options(run.model, "positional encoding: sinusoidal | learned | none",
                                      "classification pooling: cls | mean");
  // clang-format off
  model.add(max_positions_option(run.max_positions, "tokens"));
  model.add_options()
      ("word-dropout", po::value<double>(&run.word_dropout)->default_value(run.word_dropout),
       "training: share of words replaced by their --word-classes class (or <unk>), so that "
       "unseen words are tagged from context and form");
  // clang-format on
  po::options_description all;
  all.add(attention_options(run.attention))
      .add(data_options)
      .add(model)
      .add(trainer_options(run.trainer))
      .add(runtime_options(run.device, run.threads));
  return all;
}

void finish_text_run_options(const po::variables_map& vm, TextRunOptions& run) {
  finish_attention_options(vm, run.attention);
  check_encoder_choices(run.model);
  if (!(run.word_dropout >= 0.0 && run.word_dropout <= 1.0))
    throw UsageError(fmt::format("--word-dropout must be in [0, 1], got {}", run.word_dropout));
}

std::shared_ptr<TextModelImpl> build_text_model(const TextRunOptions& run,
                                                const TextModelFacts& facts) {
  auto encoder = encoder_from(run.attention, run.model);
  auto options = TextModelOptions(facts.vocab_size, facts.num_classes, encoder);
  if (facts.max_length > 0)
    options.max_positions(facts.max_length);
  return std::make_shared<TextModelImpl>(options.positional(parse_positional(run.model.positional))
                                             .pooling(parse_pooling(run.model.pooling))
                                             .labelling(facts.labelling)
                                             .dropout(run.model.dropout)
                                             .token_classes(facts.token_classes)
                                             .word_dropout(run.word_dropout));
}

void save_text_run(const std::string& dir, const po::variables_map& vm, const TextModelFacts& facts,
                   const TextTask& task) {
  nlohmann::json model = {{"vocab_size", facts.vocab_size},
                          {"num_classes", facts.num_classes},
                          {"labelling", facts.labelling},
                          {"max_length", max_length_json(facts.max_length)},
                          {"dataset", task.name}};
  write_run_files(dir, vm, model, task.label_names);
  write_file_atomically((fs::path(dir) / "vocab.txt").string(),
                        lines_file(task.vocabulary.tokens()));
}

LoadedTextRun load_text_run(const std::string& dir) {
  LoadedTextRun run;
  const fs::path root(dir);
  po::options_description options = text_run_options(run.options);
  po::variables_map vm;
  read_run_config(dir, options, vm);
  try {
    finish_text_run_options(vm, run.options);
  } catch (const std::exception& e) {
    throw std::runtime_error((root / "config.ini").string() + ": " + e.what());
  }
  const auto model = read_run_facts(dir);
  try {
    run.facts.vocab_size = model.at("vocab_size").get<int64_t>();
    run.facts.num_classes = model.at("num_classes").get<int64_t>();
    run.facts.labelling = model.at("labelling").get<bool>();
    run.facts.max_length = read_max_length(model, run.options.model.positional, "max_positions");
  } catch (const std::exception& e) {
    throw std::runtime_error((root / "model.json").string() + ": " + e.what());
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

std::shared_ptr<TextModelImpl> load_trained_text_model(const std::string& dir,
                                                       const LoadedTextRun& run) {
  auto model = build_text_model(run.options, run.facts);
  load_checkpoint((fs::path(dir) / "best.pt").string(), *model);
  model->eval();
  return model;
}

Evaluation evaluate_text_run(const std::string& run_dir, const TextDataOptions& data,
                             const TrainerOptions& trainer) {
  auto run = load_text_run(run_dir);
  if (data.kind != run.options.data.kind) {
    throw UsageError("--dataset " + data.kind + ": the run was trained on " +
                     run.options.data.kind);
  }
  // The run's reading settings (tokenizer, columns, ...), with the new data.
  TextDataOptions reading = run.options.data;
  reading.data = data.data;
  reading.test_data.clear();
  auto examples = load_text_examples(reading, run.vocabulary, run.label_names, run.facts.labelling);
  check_input_length(run.facts.max_length, examples.max_length(), data.data, "an example",
                     "tokens");
  auto model = load_trained_text_model(run_dir, run);
  model->to(trainer.device);
  return Trainer(model, trainer).evaluate(examples);
}

}  // namespace attnzoo::cli
