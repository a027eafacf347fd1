#include "datasets/token_dataset.h"

#include <algorithm>

namespace attnzoo {

Batch TokenDataset::batch(const std::vector<int64_t>& indices) const {
  const auto count = static_cast<int64_t>(indices.size());
  int64_t longest = 1;
  for (auto i : indices) longest = std::max(longest, length(i));
  auto tokens = torch::full({count, longest}, Vocabulary::kPad, torch::kInt64);
  auto mask = torch::zeros({count, longest}, torch::kBool);
  auto labels = torch::empty({count}, torch::kInt64);
  auto tokens_a = tokens.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<bool, 2>();
  auto labels_a = labels.accessor<int64_t, 1>();
  for (int64_t row = 0; row < count; ++row) {
    const auto& example = examples_.at(static_cast<size_t>(indices[row]));
    for (size_t j = 0; j < example.tokens.size(); ++j) {
      tokens_a[row][static_cast<int64_t>(j)] = example.tokens[j];
      mask_a[row][static_cast<int64_t>(j)] = true;
    }
    labels_a[row] = example.label;
  }
  return {tokens, mask, labels};
}

int64_t TokenDataset::max_length() const {
  int64_t longest = 0;
  for (const auto& e : examples_) longest = std::max(longest, static_cast<int64_t>(e.tokens.size()));
  return longest;
}

int64_t TextTask::max_length() const {
  return std::max({train.max_length(), validation.max_length(), test.max_length()});
}

}  // namespace attnzoo
