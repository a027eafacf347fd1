#include "datasets/text/conllu_reader.h"

#include <stdexcept>
#include <string_view>

#include "datasets/text/text_file.h"

namespace attnzoo {
namespace {

constexpr size_t kColumns = 10;
constexpr const char* kColumnNames = "ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC";

enum class IdKind { kWord, kMultiword, kEmptyNode, kBad };

// A run of ASCII digits as a number (saturating at a bound no treebank reaches); false when
// `text` is empty or holds anything but digits.
bool parse_digits(std::string_view text, int64_t& value) {
  if (text.empty() || text.size() > 15)
    return false;
  value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

// Word IDs are integers from 1; multiword tokens are ranges n-m with n < m; empty nodes are n.k
// with n >= 0 (0.1 precedes the first word) and k >= 1.
IdKind classify_id(std::string_view id, int64_t& word_id) {
  int64_t first = 0, second = 0;
  if (const size_t dash = id.find('-'); dash != std::string_view::npos) {
    const bool ok = parse_digits(id.substr(0, dash), first) &&
                    parse_digits(id.substr(dash + 1), second) && first >= 1 && first < second;
    return ok ? IdKind::kMultiword : IdKind::kBad;
  }
  if (const size_t dot = id.find('.'); dot != std::string_view::npos) {
    const bool ok = parse_digits(id.substr(0, dot), first) &&
                    parse_digits(id.substr(dot + 1), second) && second >= 1;
    return ok ? IdKind::kEmptyNode : IdKind::kBad;
  }
  if (parse_digits(id, word_id) && word_id >= 1)
    return IdKind::kWord;
  return IdKind::kBad;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

}  // namespace

int conllu_tag_column(const std::string& name) {
  if (name == "upos")
    return 3;
  if (name == "xpos")
    return 4;
  throw std::invalid_argument("option tag_column is " + shown_text(name) +
                              " (expected upos or xpos)");
}

std::vector<RawExample> read_conllu(const std::string& path, const std::string& tag_column,
                                    ConlluCounts* counts) {
  const int column = conllu_tag_column(tag_column);
  const char* column_name = column == 3 ? "UPOS" : "XPOS";
  ConlluCounts local;
  ConlluCounts& seen = counts ? *counts : local;
  seen = ConlluCounts{};

  LineReader reader(path, "a CoNLL-U file");
  std::vector<RawExample> sentences;
  RawExample sentence;
  auto finish_sentence = [&] {
    if (sentence.words.empty())
      return;  // a block of comments alone is no sentence
    seen.words += static_cast<int64_t>(sentence.words.size());
    ++seen.sentences;
    sentences.push_back(std::move(sentence));
    sentence = RawExample{};
  };

  std::string line;
  while (reader.next(line)) {
    const int64_t number = reader.line_number();
    if (trim_ascii(line).empty()) {
      finish_sentence();
      continue;
    }
    if (line[0] == '#') {
      ++seen.comments;
      continue;
    }
    const auto fields = split_tabs(line);
    if (fields.size() != kColumns) {
      throw_at(path, number,
               std::to_string(fields.size()) + " tab-separated column" +
                   (fields.size() == 1 ? "" : "s") + " (expected 10: " + kColumnNames + ")");
    }
    int64_t word_id = 0;
    switch (classify_id(fields[0], word_id)) {
      case IdKind::kMultiword:
        ++seen.multiword_tokens;
        continue;
      case IdKind::kEmptyNode:
        ++seen.empty_nodes;
        continue;
      case IdKind::kBad:
        throw_at(
            path, number,
            "ID " + shown_text(fields[0]) +
                " (expected a word number like 3, a range like 3-4 or an empty node like 8.1)");
      case IdKind::kWord:
        break;
    }
    const auto expected_id = static_cast<int64_t>(sentence.words.size()) + 1;
    if (word_id != expected_id) {
      throw_at(path, number,
               "word ID " + std::to_string(word_id) + " (expected " + std::to_string(expected_id) +
                   ": word IDs count up from 1 in each sentence, which ends at a blank line)");
    }
    if (fields[1].empty())
      throw_at(path, number, "empty FORM (expected the word)");
    const std::string_view tag = fields[static_cast<size_t>(column)];
    if (tag.empty() || tag == "_") {
      throw_at(
          path, number,
          std::string(column_name) + " is " + shown_text(tag) + " (expected a tag" +
              (column == 4 ? "; this treebank may leave XPOS unset: try tag_column=upos)" : ")"));
    }
    if (sentence.words.empty()) {
      sentence.source = path;
      sentence.line = number;
    }
    sentence.words.emplace_back(fields[1]);
    sentence.tags.emplace_back(tag);
    sentence.tag_lines.push_back(number);
  }
  finish_sentence();
  if (reader.line_number() == 0)
    throw_at(path, 0, "empty file (expected a CoNLL-U file)");
  if (sentences.empty()) {
    throw_at(path, 0,
             "no sentences (expected word lines of 10 tab-separated columns: " +
                 std::string(kColumnNames) + ")");
  }
  return sentences;
}

}  // namespace attnzoo
