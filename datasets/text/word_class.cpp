#include "datasets/text/word_class.h"

#include <algorithm>
#include <unordered_map>

namespace attnzoo {

namespace {

bool is_upper(unsigned char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(unsigned char c) {
  return c >= 'a' && c <= 'z';
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(unsigned char c) {
  return is_upper(c) || is_lower(c);
}

std::string shape_of(const std::string& word) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(word.data());
  const size_t n = word.size();
  size_t letters = 0, uppers = 0, digits = 0, hyphens = 0, other = 0;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = bytes[i];
    letters += is_letter(c);
    uppers += is_upper(c);
    digits += is_digit(c);
    hyphens += c == '-';
    other += !is_letter(c) && !is_digit(c) && c != '-' && c != '\'' && c != '.';
  }
  if (letters == 0 && digits > 0) {
    const bool numeric = std::all_of(word.begin(), word.end(), [](char c) {
      return is_digit(static_cast<unsigned char>(c)) || c == '.' || c == ',' || c == ':' ||
             c == '-' || c == '/';
    });
    return numeric ? "9" : "u";
  }
  if (letters == 0)
    return std::all_of(word.begin(), word.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; })
               ? "p"
               : "u";
  std::string shape;
  if (other > 0)
    shape = "u";
  else if (uppers == letters && (letters >= 2 || digits > 0))
    shape = "X";
  else if (is_upper(bytes[0]))
    shape = "Xx";
  else if (is_lower(bytes[0]))
    shape = "x";
  else
    shape = "u";
  if (hyphens > 0)
    shape += "-";
  if (digits > 0)
    shape += "9";
  return shape;
}

}  // namespace

std::vector<std::string> word_class_candidates(const std::string& word) {
  const std::string shape = shape_of(word);
  std::vector<std::string> candidates;
  if (shape == "x" || shape == "Xx" || shape == "x-" || shape == "Xx-") {
    std::string lower = word;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
      return is_upper(static_cast<unsigned char>(c)) ? static_cast<char>(c - 'A' + 'a') : c;
    });
    // At least two characters stay before the suffix: "is" and "fly" say little by their ends.
    const size_t longest = lower.size() < 3 ? 0 : std::min(kMaxSuffix, lower.size() - 2);
    for (size_t length = longest; length >= 1; --length)
      candidates.push_back("<unk:" + shape + ":" + lower.substr(lower.size() - length) + ">");
  }
  candidates.push_back("<unk:" + shape + ">");
  return candidates;
}

int64_t word_class_id(const Vocabulary& vocabulary, const std::string& word) {
  for (const auto& candidate : word_class_candidates(word)) {
    const int64_t id = vocabulary.id(candidate);
    if (id != Vocabulary::kUnknown)
      return id;
  }
  return Vocabulary::kUnknown;
}

std::vector<std::pair<std::string, int64_t>> build_word_classes(
    const std::vector<std::pair<std::string, int64_t>>& rare_words) {
  // Each word's candidates, computed once: counted here, looked up below.
  std::vector<std::vector<std::string>> candidates;
  candidates.reserve(rare_words.size());
  std::unordered_map<std::string, int64_t> words_per_class;
  for (const auto& entry : rare_words) {
    candidates.push_back(word_class_candidates(entry.first));
    for (const auto& candidate : candidates.back())
      ++words_per_class[candidate];
  }
  // Each rare word goes to its most specific kept class; a kept class that no word reaches
  // (every word ending in it has a longer kept suffix) is left out, since nothing would train it.
  std::unordered_map<std::string, int64_t> occurrences;
  for (size_t w = 0; w < rare_words.size(); ++w) {
    const auto& own = candidates[w];
    for (size_t i = 0; i < own.size(); ++i) {
      const bool shape_only = i + 1 == own.size();
      if (shape_only || words_per_class[own[i]] >= kMinWordsPerSuffixClass) {
        occurrences[own[i]] += rare_words[w].second;
        break;
      }
    }
  }
  return {occurrences.begin(), occurrences.end()};
}

std::vector<int64_t> word_class_ids(const Vocabulary& vocabulary) {
  std::vector<int64_t> ids(static_cast<size_t>(vocabulary.size()), 0);
  for (int64_t id = Vocabulary::kUnknown + 1; id < vocabulary.size(); ++id) {
    const std::string& token = vocabulary.token(id);
    if (is_unknown_word_class(token))
      continue;
    const int64_t class_id = word_class_id(vocabulary, token);
    ids[static_cast<size_t>(id)] = class_id == Vocabulary::kUnknown ? 0 : class_id;
  }
  return ids;
}

bool is_unknown_word_class(const std::string& token) {
  return token.size() > 6 && token.compare(0, 5, "<unk:") == 0 && token.back() == '>';
}

}  // namespace attnzoo
