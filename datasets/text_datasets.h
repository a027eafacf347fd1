#pragma once
// The text dataset kinds behind `--dataset KIND --data PATH`: each reads its public format and
// becomes a TextTask (token ids, a vocabulary and label names built from the training split).
//
//   listops     generated (no --data) or the published basic_{train,val,test}.tsv in a directory
//   text-lines  one example per line; the label is the file's extension (rt-polarity.pos / .neg,
//               several files or a directory), or a prefix of each line (LABEL<sep>text)
//   tsv         tab-separated columns: label and text chosen by name (with a header) or index
//   conllu      CoNLL-U treebanks: a tag per word (UPOS by default, or XPOS)

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

  /// words (split on whitespace) | chars (UTF-8 code points) | bytes
  std::string tokenizer = "words";
  /// Words seen fewer times than this in the training split map to the unknown token.
  int64_t min_frequency = 1;
  bool lowercase = false;
  /// Examples longer than this are cut (0: no limit).
  int64_t max_tokens = 0;

  /// Seeded splits, used when the dataset has no split of its own: fractions of all examples.
  double validation_fraction = 0.1;
  double test_fraction = 0.1;
  uint64_t split_seed = 0;

  /// text-lines: "extension" (label = file extension) or "prefix" (LABEL<sep>text per line).
  std::string label_from = "extension";
  /// text-lines prefix mode: the separator; empty means the first run of whitespace.
  std::string separator;

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

/// Loads the train, validation and test splits. Throws std::runtime_error with a one-line message
/// naming the file and line (and what was expected) on malformed input, and std::invalid_argument
/// for bad options (unknown kind, tokenizer, column, ...).
TextTask load_text_task(const TextDataOptions& options);

/// Reads every example of `options.data` (for `attnzoo eval`) with an existing vocabulary and
/// label names: unknown words map to the unknown token; an unknown label is an error naming the
/// label, file and line.
TokenDataset load_text_examples(const TextDataOptions& options, const Vocabulary& vocabulary,
                                const std::vector<std::string>& label_names, bool labelling);

}  // namespace attnzoo
