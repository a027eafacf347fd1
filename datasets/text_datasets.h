#pragma once
// The text dataset kinds behind `--dataset KIND --data PATH`: each reads its public format and
// becomes a TextTask (token ids, a vocabulary and label names built from the training split).
//
//   listops     generated (no --data) or the published basic_{train,val,test}.tsv in a directory
//   text-lines  one example per line; the label is the file's extension (rt-polarity.pos / .neg,
//               several files or a directory), or a prefix of each line (LABEL<sep>text)
//   tsv         tab-separated columns: label and text chosen by name (with a header) or index
//   conllu      CoNLL-U treebanks: a tag per word (UPOS by default, or XPOS)
//
// Where the splits come from:
//   - A folder with the data set's own splits (listops: basic_train.tsv, basic_val.tsv,
//     basic_test.tsv; conllu: UD's *-train.conllu, *-dev.conllu, *-test.conllu) gives them; the
//     train file is required, a missing validation (or test) file is carved out of it by seed.
//   - Anything else (one file, comma-separated files, a text-lines folder) is one pool of
//     examples, split by seed: round(N * test_fraction) test and round(N * validation_fraction)
//     validation examples, the rest training. The split is stratified by label (tagging: a plain
//     seeded shuffle) and depends only on the labels in reading order, the two sizes and
//     split_seed; datasets/text/seeded_split.h says how.
//   - --test-data replaces the test split (a folder of own splits gives its test file; anything
//     else all its examples); validation is then carved from --data (or read from its own file).
// The vocabulary (words seen at least min_frequency times in training, most frequent first, ties
// in byte order) and the label names (sorted) come from the training split; a label or tag in
// validation or test that training never saw is an error naming it, the file and the line.
// ListOps keeps its fixed 15-symbol vocabulary and labels "0".."9".

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/generated_listops.h"
#include "datasets/token_dataset.h"

namespace attnzoo {

struct TextDataOptions {
  std::string kind = "listops";  ///< listops | text-lines | tsv | conllu
  /// A file, a directory, or several files separated by commas. Empty for generated listops.
  std::string data;
  /// When given, the test split comes from here; otherwise from the dataset's own test files or a
  /// seeded split of `data`.
  std::string test_data;

  /// words (split on whitespace) | chars (UTF-8 code points) | bytes; see datasets/tokenizer.h.
  /// listops and conllu take words only (one symbol, or one tagged word, per token).
  std::string tokenizer = "words";
  /// Words seen fewer times than this in the training split map to the unknown token.
  int64_t min_frequency = 1;
  /// words: a word the vocabulary lacks maps to its class token (datasets/text/word_class.h)
  /// instead of the unknown token; the classes are learned from the training words rarer than
  /// min_frequency, so this needs min_frequency >= 2.
  bool word_classes = false;
  /// ASCII A-Z only (not for listops).
  bool lowercase = false;
  /// Examples longer than this are cut, tags with them (0: no limit).
  int64_t max_tokens = 0;

  /// Seeded splits, used when the dataset has no split of its own: fractions of all examples.
  double validation_fraction = 0.1;
  double test_fraction = 0.1;
  uint64_t split_seed = 0;

  /// text-lines: "extension" (label = file extension) or "prefix" (LABEL<sep>text per line).
  std::string label_from = "extension";
  /// text-lines prefix mode: the separator; empty means the first run of whitespace.
  std::string separator;
  /// text-lines prefix mode: keep the label's part before this (':' for coarse TREC classes).
  std::string label_separator;

  /// tsv: columns by header name or 0-based index; `header` says whether line 1 names columns.
  std::string label_column = "0";
  std::string text_column = "1";
  bool header = false;

  /// conllu: "upos" or "xpos".
  std::string tag_column = "upos";

  /// listops without --data: the generator's settings and split sizes.
  GeneratedListOpsOptions listops;
};

/// The dataset kinds `load_text_task` understands, joined by ", ".
std::string text_dataset_kinds();

/// Whether `kind` is one of text_dataset_kinds().
bool is_text_dataset_kind(const std::string& kind);

/// Loads the train, validation and test splits. Throws std::runtime_error with a one-line message
/// naming the file and line (and what was expected) on malformed input, and std::invalid_argument
/// for bad options (unknown kind, tokenizer, column, ...).
TextTask load_text_task(const TextDataOptions& options);

/// Reads every example of `options.data` (for `attnzoo eval`) with an existing vocabulary and
/// label names: unknown words map to the unknown token; an unknown label is an error naming the
/// label, file and line. A folder gives all its files of the kind (*.tsv for listops, *.conllu,
/// every data file for text-lines); listops without data gives the test split of
/// make_generated_listops(options.listops). Tokenizer, lowercase and max_tokens should be the
/// run's; `labelling` must match the kind (conllu), else std::invalid_argument.
TokenDataset load_text_examples(const TextDataOptions& options, const Vocabulary& vocabulary,
                                const std::vector<std::string>& label_names, bool labelling);

/// One line of raw text as the run reads text (`options`: tokenizer, lowercase, word classes,
/// max_tokens), for `attnzoo predict`: its tokens and their ids. For labelling the tokens are
/// the line's whitespace-separated words, as CoNLL-U gives them.
struct EncodedLine {
  std::vector<std::string> tokens;
  std::vector<int64_t> ids;
};
EncodedLine encode_text_line(const std::string& line, const TextDataOptions& options,
                             const Vocabulary& vocabulary, bool labelling);

}  // namespace attnzoo
