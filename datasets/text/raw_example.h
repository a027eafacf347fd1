#pragma once
// What every text reader returns: the example as it stands in the file (strings, not ids), with
// where it came from so that a later error (a label training never saw) can name the file and
// line. Tokenising, the vocabulary and the label ids come later, in one place
// (datasets/text_datasets.cpp).

#include <cstdint>
#include <string>
#include <vector>

namespace attnzoo {

struct RawExample {
  std::string source;  ///< the file it was read from
  int64_t line = 0;    ///< its line in that file (the first word's line for CoNLL-U); 0: unknown

  /// Classification: the text still to be tokenised, and its label.
  std::string text;
  std::string label;

  /// Labelling: the words (already one token each) and one tag per word, with each word's line.
  std::vector<std::string> words;
  std::vector<std::string> tags;
  std::vector<int64_t> tag_lines;
};

}  // namespace attnzoo
