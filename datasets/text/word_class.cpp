#include "datasets/text/word_class.h"

#include <algorithm>
#include <array>

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

// Inflectional and derivational endings that mark a part of speech, longest first within each
// shared ending so that the first match is the longest.
constexpr std::array<const char*, 34> kSuffixes = {
    "ations", "ation", "tion", "sion", "ments", "ment", "ness", "ities", "ity",
    "ings",   "ing",   "ied",  "ed",   "ers",   "er",   "est",  "ably",  "ly",
    "ies",    "able",  "ible", "ful",  "less",  "ous",  "ive",  "ical",  "al",
    "ize",    "ise",   "ists", "ist",  "ism",   "'s",   "s"};

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

std::string unknown_word_class(const std::string& word) {
  const std::string shape = shape_of(word);
  std::string suffix;
  if (shape == "x" || shape == "Xx" || shape == "x-" || shape == "Xx-") {
    std::string lower = word;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
      return is_upper(static_cast<unsigned char>(c)) ? static_cast<char>(c - 'A' + 'a') : c;
    });
    for (const char* candidate : kSuffixes) {
      const std::string s(candidate);
      if (lower.size() >= s.size() + 2 &&
          lower.compare(lower.size() - s.size(), s.size(), s) == 0) {
        suffix = s;
        break;
      }
    }
  }
  return "<unk:" + shape + (suffix.empty() ? "" : ":" + suffix) + ">";
}

std::vector<int64_t> word_class_ids(const Vocabulary& vocabulary) {
  std::vector<int64_t> ids(static_cast<size_t>(vocabulary.size()), 0);
  for (int64_t id = Vocabulary::kUnknown + 1; id < vocabulary.size(); ++id) {
    const std::string& token = vocabulary.token(id);
    if (is_unknown_word_class(token))
      continue;
    const int64_t class_id = vocabulary.id(unknown_word_class(token));
    ids[static_cast<size_t>(id)] = class_id == Vocabulary::kUnknown ? 0 : class_id;
  }
  return ids;
}

bool is_unknown_word_class(const std::string& token) {
  return token.size() > 6 && token.compare(0, 5, "<unk:") == 0 && token.back() == '>';
}

}  // namespace attnzoo
