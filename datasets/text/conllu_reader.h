#pragma once
// CoNLL-U (https://universaldependencies.org/format.html): one word per line in 10 tab-separated
// columns ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC, sentences separated by blank lines,
// comment lines starting with '#'. For tagging we keep FORM and one tag column per word.

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/text/raw_example.h"

namespace attnzoo {

/// The column a tag is read from: 3 for "upos", 4 for "xpos". Throws std::invalid_argument
/// naming the option tag_column otherwise.
int conllu_tag_column(const std::string& name);

/// What a read skipped and kept, for checks against a treebank's published statistics.
struct ConlluCounts {
  int64_t sentences = 0;
  int64_t words = 0;
  int64_t multiword_tokens = 0;  ///< lines with an ID range like 3-4 (skipped)
  int64_t empty_nodes = 0;       ///< lines with a decimal ID like 8.1 (skipped)
  int64_t comments = 0;          ///< lines starting with '#' (skipped)
};

/// One RawExample per sentence: `words` from FORM, `tags` from the chosen column, `tag_lines`
/// the line of each word, `line` the line of its first word.
///
/// Skipped: comment lines, multiword-token lines (ID `n-m`, the surface form of words that
/// follow as their own lines) and empty nodes (ID `n.k`, enhanced-graph nodes that are not
/// words). A sentence ends at a blank (or whitespace-only) line or at the end of the file, so a
/// last sentence without a trailing blank line still counts; comment-only blocks are no sentence.
///
/// Throws std::runtime_error `PATH:LINE: what (expected ...)` for a line that is not 10
/// tab-separated columns, an ID that is none of the three forms, word IDs that do not count up
/// 1, 2, 3, ... within a sentence, an empty FORM, or a tag that is empty or `_`. A missing,
/// empty or sentence-less file is an error naming the path.
std::vector<RawExample> read_conllu(const std::string& path, const std::string& tag_column,
                                    ConlluCounts* counts = nullptr);

}  // namespace attnzoo
