#include "datasets/vocabulary.h"

namespace attnzoo {

Vocabulary::Vocabulary() {
  add("<pad>");
  add("<unk>");
}

int64_t Vocabulary::add(const std::string& token) {
  auto [it, inserted] = ids_.emplace(token, size());
  if (inserted)
    tokens_.push_back(token);
  return it->second;
}

int64_t Vocabulary::id(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? kUnknown : it->second;
}

std::vector<int64_t> Vocabulary::encode(const std::vector<std::string>& tokens) const {
  std::vector<int64_t> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens)
    ids.push_back(id(t));
  return ids;
}

std::vector<std::string> split_whitespace(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (i < text.size()) {
    while (i < text.size() && space(text[i]))
      ++i;
    size_t start = i;
    while (i < text.size() && !space(text[i]))
      ++i;
    if (i > start)
      out.push_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace attnzoo
