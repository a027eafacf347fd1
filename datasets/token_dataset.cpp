#include "datasets/token_dataset.h"

#include <algorithm>

namespace attnzoo {

TokenDataset::TokenDataset(std::vector<TokenExample> examples, bool labelling)
    : examples_(std::move(examples)), labelling_(labelling) {
  for (const auto& e : examples_)
    max_length_ = std::max(max_length_, static_cast<int64_t>(e.tokens.size()));
}

Batch TokenDataset::batch(const std::vector<int64_t>& indices) const {
  const auto count = static_cast<int64_t>(indices.size());
  int64_t longest = 1;
  for (auto i : indices)
    longest = std::max(longest, length(i));
  longest = padded_batch_length(longest, max_length_);
  auto tokens = torch::full({count, longest}, Vocabulary::kPad, torch::kInt64);
  auto mask = torch::zeros({count, longest}, torch::kBool);
  auto labels = labelling_ ? torch::full({count, longest}, kIgnoreLabel, torch::kInt64)
                           : torch::empty({count}, torch::kInt64);
  auto tokens_a = tokens.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<bool, 2>();
  int64_t* labels_p = labels.data_ptr<int64_t>();  // contiguous: [B] or [B, longest]
  for (int64_t row = 0; row < count; ++row) {
    const auto& example = examples_.at(static_cast<size_t>(indices[row]));
    TORCH_CHECK(!labelling_ || example.tags.size() == example.tokens.size(), "example ",
                indices[row], " has ", example.tokens.size(), " tokens but ", example.tags.size(),
                " tags");
    for (size_t j = 0; j < example.tokens.size(); ++j) {
      tokens_a[row][static_cast<int64_t>(j)] = example.tokens[j];
      mask_a[row][static_cast<int64_t>(j)] = true;
      if (labelling_)
        labels_p[row * longest + static_cast<int64_t>(j)] = example.tags[j];
    }
    if (!labelling_)
      labels_p[row] = example.label;
  }
  return {tokens, mask, labels, {}};
}

int64_t TextTask::max_length() const {
  return std::max({train.max_length(), validation.max_length(), test.max_length()});
}

}  // namespace attnzoo
