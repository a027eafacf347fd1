#include "datasets/text_datasets.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "datasets/listops.h"
#include "datasets/text/conllu_reader.h"
#include "datasets/text/raw_example.h"
#include "datasets/text/seeded_split.h"
#include "datasets/text/text_file.h"
#include "datasets/text/text_lines_reader.h"
#include "datasets/text/tsv_reader.h"
#include "datasets/text/word_class.h"
#include "datasets/tokenizer.h"

namespace fs = std::filesystem;

namespace attnzoo {
namespace {

const char* const kKinds[] = {"listops", "text-lines", "tsv", "conllu"};

bool is_folder(const std::string& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

void check_options(const TextDataOptions& o) {
  if (!is_text_dataset_kind(o.kind)) {
    throw std::invalid_argument("option kind is " + shown_text(o.kind) + " (expected " +
                                text_dataset_kinds() + ")");
  }
  const Tokenizer tokenizer(o.tokenizer, o.lowercase);  // throws for an unknown name
  if (o.min_frequency < 1) {
    throw std::invalid_argument("option min_frequency is " + std::to_string(o.min_frequency) +
                                " (expected at least 1)");
  }
  if (o.word_classes && (o.tokenizer != "words" || o.min_frequency < 2)) {
    throw std::invalid_argument(
        "option word_classes needs tokenizer words and min_frequency >= 2 (the classes are "
        "learned from the training words rarer than min_frequency), got tokenizer " +
        o.tokenizer + " and min_frequency " + std::to_string(o.min_frequency));
  }
  if (o.max_tokens < 0) {
    throw std::invalid_argument("option max_tokens is " + std::to_string(o.max_tokens) +
                                " (expected 0 for no limit, or a positive number)");
  }
  for (const auto& [name, value] : {std::pair{"validation_fraction", o.validation_fraction},
                                    std::pair{"test_fraction", o.test_fraction}}) {
    if (!(value >= 0.0 && value < 1.0)) {
      throw std::invalid_argument(std::string("option ") + name + " is " + std::to_string(value) +
                                  " (expected a fraction in [0, 1))");
    }
  }
  if (!(o.validation_fraction + o.test_fraction < 1.0)) {
    throw std::invalid_argument("options validation_fraction + test_fraction are " +
                                std::to_string(o.validation_fraction + o.test_fraction) +
                                " (expected less than 1, leaving examples for training)");
  }
  if (o.kind != "listops" && o.data.empty()) {
    throw std::invalid_argument("option data is empty (expected the files of dataset kind " +
                                o.kind + ")");
  }
  if (o.kind == "listops" || o.kind == "conllu") {
    // ListOps symbols are words of a fixed vocabulary; a CoNLL-U word is one token with one tag.
    if (tokenizer.kind() != Tokenizer::Kind::kWords) {
      throw std::invalid_argument(
          "option tokenizer is " + shown_text(o.tokenizer) + " for dataset kind " + o.kind +
          " (expected words: " +
          (o.kind == "conllu" ? "each word carries one tag" : "the ListOps symbols are words") +
          ")");
    }
  }
  if (o.kind == "listops" && o.lowercase) {
    throw std::invalid_argument(
        "option lowercase is true for dataset kind listops (expected false: the symbols [MIN, "
        "[MAX, [MED, [SM are upper case)");
  }
  if (o.kind == "text-lines")
    check_label_from(o.label_from);
  if (o.kind == "tsv")
    check_tsv_columns(o.label_column, o.text_column, o.header);
  if (o.kind == "conllu")
    conllu_tag_column(o.tag_column);
}

// ---- Reading: raw examples from files -------------------------------------------------------

std::vector<RawExample> read_listops_file(const std::string& path) {
  std::vector<RawExample> out;
  for (auto& example : read_listops_tsv(path)) {
    RawExample raw;
    raw.source = path;  // the ListOps reader skips blank lines, so lines are not known here
    raw.text = std::move(example.text);
    raw.label = std::to_string(example.label);
    out.push_back(std::move(raw));
  }
  if (out.empty())
    throw_at(path, 0, "no examples after the header (expected Source<TAB>Target lines)");
  return out;
}

std::vector<RawExample> read_file(const TextDataOptions& o, const std::string& path) {
  if (o.kind == "listops")
    return read_listops_file(path);
  if (o.kind == "text-lines")
    return read_text_lines(path, o.label_from, o.separator, o.label_separator);
  if (o.kind == "tsv")
    return read_tsv(path, o.label_column, o.text_column, o.header);
  return read_conllu(path, o.tag_column);
}

std::vector<RawExample> read_files(const TextDataOptions& o,
                                   const std::vector<std::string>& paths) {
  std::vector<RawExample> all;
  for (const auto& path : paths) {
    auto examples = read_file(o, path);
    all.insert(all.end(), std::make_move_iterator(examples.begin()),
               std::make_move_iterator(examples.end()));
  }
  return all;
}

// A folder holding a data set's own splits: the published ListOps TSV files, or a UD treebank.
struct NamedSplits {
  std::string train, validation, test;  // validation and test may be missing (empty)
};

// The one file in `files` named `pattern`, where a leading '*' stands for any start (UD's
// en_lines-ud-train.conllu is *-train.conllu); "" when there is none.
std::string only_file_named(const std::string& folder, const std::vector<std::string>& files,
                            const std::string& pattern) {
  const bool any_start = !pattern.empty() && pattern[0] == '*';
  const std::string suffix = any_start ? pattern.substr(1) : pattern;
  std::vector<std::string> found;
  for (const auto& file : files) {
    const std::string name = fs::path(file).filename().string();
    const bool ends = name.size() >= suffix.size() &&
                      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (ends && (any_start || name.size() == suffix.size()))
      found.push_back(file);
  }
  if (found.size() > 1) {
    throw_at(folder, 0,
             std::to_string(found.size()) + " files are named " + pattern + ", " +
                 fs::path(found[0]).filename().string() + " and " +
                 fs::path(found[1]).filename().string() + " (expected one)");
  }
  return found.empty() ? std::string() : found[0];
}

NamedSplits named_splits(const TextDataOptions& o, const std::string& folder) {
  const auto files = list_files(folder);
  NamedSplits splits;
  if (o.kind == "listops") {
    splits.train = only_file_named(folder, files, "basic_train.tsv");
    splits.validation = only_file_named(folder, files, "basic_val.tsv");
    splits.test = only_file_named(folder, files, "basic_test.tsv");
  } else {
    splits.train = only_file_named(folder, files, "*-train.conllu");
    splits.validation = only_file_named(folder, files, "*-dev.conllu");
    splits.test = only_file_named(folder, files, "*-test.conllu");
  }
  if (splits.train.empty()) {
    throw_at(folder, 0,
             o.kind == "listops"
                 ? "no basic_train.tsv (expected the published basic_train.tsv, basic_val.tsv, "
                   "basic_test.tsv, or give one TSV file to split by seed)"
                 : "no *-train.conllu (expected a UD folder with *-train.conllu, *-dev.conllu, "
                   "*-test.conllu, or give .conllu files to split by seed)");
  }
  return splits;
}

// The files a kind reads from a --data value when every example is wanted (eval, --test-data of
// pooled kinds).
std::vector<std::string> all_files(const TextDataOptions& o, const std::string& data,
                                   const std::string& option) {
  if (o.kind == "text-lines")
    return text_lines_files(data, option);
  std::vector<std::string> files;
  for (const auto& path : split_path_list(data, option)) {
    require_exists(path, "a data file or folder for dataset kind " + o.kind);
    if (!is_folder(path) || o.kind == "tsv") {  // a tsv folder fails in the reader, by name
      files.push_back(path);
      continue;
    }
    const std::string extension = o.kind == "listops" ? ".tsv" : ".conllu";
    size_t found = 0;
    for (const auto& file : list_files(path)) {
      if (fs::path(file).extension() == extension) {
        files.push_back(file);
        ++found;
      }
    }
    if (found == 0)
      throw_at(path, 0, "no *" + extension + " file in the folder");
  }
  return files;
}

// --test-data: a folder of a data set's own splits gives its test file, anything else every
// example.
std::vector<RawExample> read_test_data(const TextDataOptions& o) {
  const auto paths = split_path_list(o.test_data, "test_data");
  if ((o.kind == "listops" || o.kind == "conllu") && paths.size() == 1 && is_folder(paths[0])) {
    const auto files = list_files(paths[0]);
    const std::string test =
        only_file_named(paths[0], files, o.kind == "listops" ? "basic_test.tsv" : "*-test.conllu");
    if (test.empty()) {
      throw_at(paths[0], 0,
               std::string("no ") + (o.kind == "listops" ? "basic_test.tsv" : "*-test.conllu") +
                   " in the folder given as test_data (expected a test file)");
    }
    return read_files(o, {test});
  }
  return read_files(o, all_files(o, o.test_data, "test_data"));
}

struct RawSplits {
  std::vector<RawExample> train, validation, test;
};

// Carves validation (and, when `test_too`, test) examples out of `pool` by seed.
RawSplits carve(const TextDataOptions& o, std::vector<RawExample> pool, bool test_too) {
  std::vector<std::string> strata;
  strata.reserve(pool.size());
  for (const auto& example : pool)
    strata.push_back(example.label);  // "" for tagging
  const size_t validation = split_size(pool.size(), o.validation_fraction);
  const size_t test = test_too ? split_size(pool.size(), o.test_fraction) : 0;
  if (validation + test >= pool.size()) {
    throw_at(o.data, 0,
             std::to_string(pool.size()) + " examples leave none for training after " +
                 std::to_string(validation) + " validation and " + std::to_string(test) +
                 " test examples (expected more examples or smaller fractions)");
  }
  const auto indices = seeded_split(strata, validation, test, o.split_seed);
  RawSplits out;
  auto take = [&](const std::vector<size_t>& which, std::vector<RawExample>& into) {
    into.reserve(which.size());
    for (const size_t i : which)
      into.push_back(std::move(pool[i]));
  };
  take(indices.train, out.train);
  take(indices.validation, out.validation);
  take(indices.test, out.test);
  return out;
}

RawSplits read_splits(const TextDataOptions& o) {
  const auto paths = split_path_list(o.data, "data");
  const bool own_splits =
      (o.kind == "listops" || o.kind == "conllu") && paths.size() == 1 && is_folder(paths[0]);
  if (!own_splits) {
    for (const auto& path : paths)
      require_exists(path, "a data file for dataset kind " + o.kind);
    const auto files = o.kind == "text-lines" ? text_lines_files(o.data, "data") : paths;
    const bool test_from_elsewhere = !o.test_data.empty();
    RawSplits splits = carve(o, read_files(o, files), !test_from_elsewhere);
    if (test_from_elsewhere)
      splits.test = read_test_data(o);
    return splits;
  }
  const NamedSplits named = named_splits(o, paths[0]);
  RawSplits splits;
  const bool carve_validation = named.validation.empty();
  const bool carve_test = named.test.empty() && o.test_data.empty();
  if (carve_validation || carve_test) {
    TextDataOptions carve_options = o;
    carve_options.data = named.train;
    if (!carve_validation)
      carve_options.validation_fraction = 0.0;
    RawSplits carved = carve(carve_options, read_files(o, {named.train}), carve_test);
    splits.train = std::move(carved.train);
    splits.validation = std::move(carved.validation);
    splits.test = std::move(carved.test);
  } else {
    splits.train = read_files(o, {named.train});
  }
  if (!carve_validation)
    splits.validation = read_files(o, {named.validation});
  if (!o.test_data.empty()) {
    splits.test = read_test_data(o);
  } else if (!carve_test) {
    splits.test = read_files(o, {named.test});
  }
  return splits;
}

// ---- Tokens, vocabulary, labels and ids: one place for every kind ----------------------------

std::vector<std::string> tokens_of(const RawExample& example, const Tokenizer& tokenizer,
                                   int64_t max_tokens, bool labelling) {
  std::vector<std::string> tokens;
  if (labelling) {
    tokens.reserve(example.words.size());
    for (const auto& word : example.words) {
      tokens.push_back(tokenizer.lowercase() ? ascii_lowercase(word) : word);
    }
  } else {
    tokens = tokenizer(example.text);
  }
  if (max_tokens > 0 && static_cast<int64_t>(tokens.size()) > max_tokens) {
    tokens.resize(static_cast<size_t>(max_tokens));
  }
  return tokens;
}

// Words seen at least min_frequency times in training, most frequent first (ties by byte order),
// so that the ids do not depend on the order of the examples.
Vocabulary build_vocabulary(const std::vector<RawExample>& train, const Tokenizer& tokenizer,
                            const TextDataOptions& o, bool labelling) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& example : train) {
    for (auto& token : tokens_of(example, tokenizer, o.max_tokens, labelling))
      ++counts[token];
  }
  std::vector<std::pair<std::string, int64_t>> kept;
  std::vector<std::pair<std::string, int64_t>> rare;  // the words the classes are learned from
  for (auto& [token, count] : counts) {
    if (count >= o.min_frequency)
      kept.emplace_back(token, count);
    else if (o.word_classes)
      rare.emplace_back(token, count);
  }
  for (auto& [token, count] : build_word_classes(rare)) {
    if (counts.count(token) == 0)  // a literal "<unk:x>" in the text keeps its own entry
      kept.emplace_back(token, count);
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  Vocabulary vocabulary;
  for (const auto& entry : kept)
    vocabulary.add(entry.first);
  return vocabulary;
}

std::vector<std::string> training_label_names(const std::vector<RawExample>& train,
                                              bool labelling) {
  std::set<std::string> names;
  for (const auto& example : train) {
    if (labelling) {
      names.insert(example.tags.begin(), example.tags.end());
    } else {
      names.insert(example.label);
    }
  }
  return {names.begin(), names.end()};
}

// A classifier needs two classes in training: one class means the labels were read from the wrong
// place (a whole file's extension where each line starts with its label, say).
void check_classes(const TextDataOptions& o, const std::vector<RawExample>& train,
                   const std::vector<std::string>& label_names) {
  if (label_names.size() >= 2 || train.empty())
    return;
  std::string files;
  for (const auto& example : train) {
    if (files.find(example.source) == std::string::npos)
      files += (files.empty() ? "" : ",") + example.source;
  }
  std::string hint;
  if (o.kind == "text-lines" && o.label_from == "extension") {
    hint = "; when each line starts with its label, use --label-from prefix";
  } else if (o.kind == "text-lines") {
    hint = "; check --separator and --label-separator";
  } else if (o.kind == "tsv") {
    hint = "; check --label-column";
  }
  throw_at(files, 0,
           "every training example has the label " + shown_text(label_names.front()) +
               " (expected at least two classes" + hint + ")");
}

int64_t token_id(const Vocabulary& vocabulary, const std::string& token, bool word_classes) {
  int64_t id = vocabulary.id(token);
  if (id == Vocabulary::kUnknown && word_classes)
    id = word_class_id(vocabulary, token);  // kUnknown for a class never seen
  // A literal "<pad>" in the text must not become padding.
  return id == Vocabulary::kPad ? Vocabulary::kUnknown : id;
}

class Encoder {
 public:
  Encoder(const Vocabulary& vocabulary, const std::vector<std::string>& label_names,
          const Tokenizer& tokenizer, const TextDataOptions& o, bool labelling, std::string where)
      : vocabulary_(vocabulary),
        label_names_(label_names),
        tokenizer_(tokenizer),
        max_tokens_(o.max_tokens),
        word_classes_(o.word_classes),
        labelling_(labelling),
        where_(std::move(where)) {
    for (size_t i = 0; i < label_names.size(); ++i) {
      label_ids_.emplace(label_names[i], static_cast<int64_t>(i));
    }
  }

  TokenDataset encode(const std::vector<RawExample>& raw) const {
    std::vector<TokenExample> examples;
    examples.reserve(raw.size());
    for (const auto& example : raw) {
      TokenExample encoded;
      for (const auto& token : tokens_of(example, tokenizer_, max_tokens_, labelling_))
        encoded.tokens.push_back(token_id(vocabulary_, token, word_classes_));
      if (labelling_) {
        encoded.tags.reserve(encoded.tokens.size());
        for (size_t i = 0; i < encoded.tokens.size(); ++i) {
          encoded.tags.push_back(label_id(example.tags[i], example.source, example.tag_lines[i]));
        }
      } else {
        encoded.label = label_id(example.label, example.source, example.line);
      }
      examples.push_back(std::move(encoded));
    }
    return TokenDataset(std::move(examples), labelling_);
  }

 private:
  int64_t label_id(const std::string& label, const std::string& source, int64_t line) const {
    const auto it = label_ids_.find(label);
    if (it != label_ids_.end())
      return it->second;
    std::string known;
    for (size_t i = 0; i < label_names_.size() && i < 20; ++i) {
      known += (i ? ", " : "") + label_names_[i];
    }
    if (label_names_.size() > 20)
      known += ", ...";
    throw_at(source.empty() ? "(unknown file)" : source, line,
             std::string(labelling_ ? "tag " : "label ") + shown_text(label) + " never occurs in " +
                 where_ + " (expected one of " + std::to_string(label_names_.size()) + ": " +
                 known + ")");
  }

  const Vocabulary& vocabulary_;
  const std::vector<std::string>& label_names_;
  const Tokenizer& tokenizer_;
  int64_t max_tokens_;
  bool word_classes_;
  bool labelling_;
  std::string where_;
  std::unordered_map<std::string, int64_t> label_ids_;
};

std::vector<std::string> listops_label_names() {
  std::vector<std::string> names;
  for (int digit = 0; digit < 10; ++digit)
    names.push_back(std::to_string(digit));
  return names;
}

std::string task_name(const TextDataOptions& o) {
  if (o.data.empty())
    return o.kind;
  std::string names;
  for (const auto& path : split_path_list(o.data, "data")) {
    fs::path p(path);
    if (p.filename().empty())
      p = p.parent_path();  // a folder given as dir/
    names += (names.empty() ? "" : ",") + p.filename().string();
  }
  return o.kind + ":" + names;
}

// The generated ListOps examples of `dataset` as raw text (ids back to symbols).
std::vector<RawExample> listops_raw(const TokenDataset& dataset, const Vocabulary& vocabulary) {
  std::vector<RawExample> out;
  for (const auto& example : dataset.examples()) {
    RawExample raw;
    raw.source = "(generated listops)";
    for (const int64_t id : example.tokens) {
      raw.text += (raw.text.empty() ? "" : " ") + vocabulary.token(id);
    }
    raw.label = std::to_string(example.label);
    out.push_back(std::move(raw));
  }
  return out;
}

}  // namespace

bool is_text_dataset_kind(const std::string& kind) {
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

std::string text_dataset_kinds() {
  std::string out;
  for (const char* kind : kKinds)
    out += (out.empty() ? "" : ", ") + std::string(kind);
  return out;
}

TextTask load_text_task(const TextDataOptions& options) {
  check_options(options);
  if (options.kind == "listops" && options.data.empty()) {
    TextTask task = make_generated_listops(options.listops);
    if (options.max_tokens > 0) {
      for (auto* split : {&task.train, &task.validation, &task.test}) {
        auto examples = split->examples();
        for (auto& example : examples) {
          if (static_cast<int64_t>(example.tokens.size()) > options.max_tokens) {
            example.tokens.resize(static_cast<size_t>(options.max_tokens));
          }
        }
        *split = TokenDataset(std::move(examples));
      }
    }
    return task;
  }

  const bool labelling = options.kind == "conllu";
  const Tokenizer tokenizer(options.tokenizer, options.lowercase);
  const RawSplits raw = read_splits(options);

  TextTask task;
  task.name = task_name(options);
  task.labelling = labelling;
  if (options.kind == "listops") {
    task.vocabulary = listops_vocabulary();
    task.label_names = listops_label_names();
  } else {
    task.vocabulary = build_vocabulary(raw.train, tokenizer, options, labelling);
    task.label_names = training_label_names(raw.train, labelling);
    if (!labelling)  // (a tagger's unseen tags are reported where they occur, by the encoder)
      check_classes(options, raw.train, task.label_names);
  }
  const Encoder encoder(task.vocabulary, task.label_names, tokenizer, options, labelling,
                        "the training split");
  task.train = encoder.encode(raw.train);
  task.validation = encoder.encode(raw.validation);
  task.test = encoder.encode(raw.test);
  return task;
}

TokenDataset load_text_examples(const TextDataOptions& options, const Vocabulary& vocabulary,
                                const std::vector<std::string>& label_names, bool labelling) {
  check_options(options);
  if (labelling != (options.kind == "conllu")) {
    throw std::invalid_argument(
        std::string("dataset kind ") + options.kind + " is " +
        (options.kind == "conllu" ? "sequence labelling" : "sequence classification") +
        " (expected a " + (labelling ? "labelling" : "classification") +
        " kind, as the run was trained on)");
  }
  const Tokenizer tokenizer(options.tokenizer, options.lowercase);
  std::vector<RawExample> raw;
  if (options.kind == "listops" && options.data.empty()) {
    const TextTask generated = make_generated_listops(options.listops);
    raw = listops_raw(generated.test, generated.vocabulary);
  } else {
    raw = read_files(options, all_files(options, options.data, "data"));
  }
  const Encoder encoder(vocabulary, label_names, tokenizer, options, labelling,
                        "the run's label names");
  return encoder.encode(raw);
}

EncodedLine encode_text_line(const std::string& line, const TextDataOptions& options,
                             const Vocabulary& vocabulary, bool labelling) {
  RawExample example;
  example.text = line;
  if (labelling)
    example.words = split_whitespace(line);
  EncodedLine encoded;
  encoded.tokens = tokens_of(example, Tokenizer(options.tokenizer, options.lowercase),
                             options.max_tokens, labelling);
  if (options.kind == "listops") {  // the published files' "( ... )" form, as their reader does
    auto& t = encoded.tokens;
    t.erase(std::remove_if(t.begin(), t.end(),
                           [](const std::string& token) { return token == "(" || token == ")"; }),
            t.end());
  }
  for (const auto& token : encoded.tokens)
    encoded.ids.push_back(token_id(vocabulary, token, options.word_classes));
  return encoded;
}

}  // namespace attnzoo
