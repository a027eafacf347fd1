#include "datasets/generated_listops.h"

#include <string>

namespace attnzoo {

Vocabulary listops_vocabulary() {
  Vocabulary vocabulary;
  for (const char* symbol : {"[MIN", "[MAX", "[MED", "[SM", "]"})
    vocabulary.add(symbol);
  for (int digit = 0; digit < 10; ++digit)
    vocabulary.add(std::to_string(digit));
  return vocabulary;
}

std::vector<TokenExample> encode_listops(const std::vector<ListOpsExample>& examples,
                                         const Vocabulary& vocabulary) {
  std::vector<TokenExample> out;
  out.reserve(examples.size());
  for (const auto& e : examples) {
    out.push_back({vocabulary.encode(split_whitespace(e.text)), e.label, {}});
  }
  return out;
}

TextTask make_generated_listops(const GeneratedListOpsOptions& options) {
  TextTask task;
  task.name = "listops";
  task.vocabulary = listops_vocabulary();
  for (int digit = 0; digit < 10; ++digit)
    task.label_names.push_back(std::to_string(digit));
  // One draw of distinct expressions, cut into splits, keeps the splits disjoint.
  auto all = generate_listops(options.train + options.validation + options.test,
                              options.expressions, options.seed);
  auto encoded = encode_listops(all, task.vocabulary);
  auto take = [&](size_t begin, int64_t count) {
    return TokenDataset({encoded.begin() + static_cast<std::ptrdiff_t>(begin),
                         encoded.begin() + static_cast<std::ptrdiff_t>(begin + count)});
  };
  task.train = take(0, options.train);
  task.validation = take(static_cast<size_t>(options.train), options.validation);
  task.test = take(static_cast<size_t>(options.train + options.validation), options.test);
  return task;
}

}  // namespace attnzoo
