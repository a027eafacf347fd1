#include "models/text_model.h"

#include <torch/nn/init.h>

#include "datasets/vocabulary.h"

namespace attnzoo {

TextModelImpl::TextModelImpl(const TextModelOptions& options_) : options(options_) {
  TORCH_CHECK(options.vocab_size() > 0, "vocab_size must be positive");
  TORCH_CHECK(options.num_classes() > 1, "a classifier needs at least two classes");
  const int64_t d = d_model();
  const bool with_cls = uses_cls_token();
  embedding = register_module("embedding", torch::nn::Embedding(options.vocab_size(), d));
  torch::nn::init::normal_(embedding->weight, 0.0, 0.02);
  positional = register_module(
      "positional",
      PositionalEncoding(PositionalEncodingOptions(d)
                             .kind(options.positional())
                             .max_positions(options.max_positions() + (with_cls ? 1 : 0))));
  if (!options.token_classes().empty()) {
    const auto& classes = options.token_classes();
    TORCH_CHECK(static_cast<int64_t>(classes.size()) == options.vocab_size(), "token_classes has ",
                classes.size(), " entries for a vocabulary of ", options.vocab_size());
    for (const int64_t c : classes) {
      TORCH_CHECK(c >= 0 && c < options.vocab_size(), "token_classes: id ", c,
                  " is outside the vocabulary [0, ", options.vocab_size(), ")");
    }
    token_class = register_buffer("token_class", torch::tensor(classes, torch::kLong));
  }
  TORCH_CHECK(options.word_dropout() >= 0.0 && options.word_dropout() <= 1.0,
              "word_dropout must be in [0, 1], got ", options.word_dropout());
  if (with_cls) {
    cls = register_parameter("cls", torch::empty({d}));
    torch::nn::init::normal_(cls, 0.0, 0.02);
  }
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  encoder = register_module("encoder", Encoder(options.encoder()));
  head = register_module("head", torch::nn::Linear(d, options.num_classes()));
}

torch::Tensor TextModelImpl::forward(const torch::Tensor& tokens, const torch::Tensor& mask) {
  TORCH_CHECK(tokens.dim() == 2, "tokens must be [batch, length], got ", tokens.sizes());
  TORCH_CHECK(mask.sizes() == tokens.sizes(), "mask ", mask.sizes(), " must match tokens ",
              tokens.sizes());
  TORCH_CHECK(max_length() == 0 || tokens.size(1) <= max_length(), "an input of ", tokens.size(1),
              " tokens is longer than the learned position table (max_positions ", max_length(),
              ")");
  const auto ids = is_training() ? drop_words(tokens, mask) : tokens;
  auto x = embedding(ids);
  if (token_class.defined()) {
    auto classes = token_class.index_select(0, ids.reshape(-1)).view_as(ids);
    x = x + embedding(classes) * (classes != 0).unsqueeze(-1).to(x.dtype());
  }
  auto m = mask;
  if (uses_cls_token()) {
    x = torch::cat({cls.view({1, 1, -1}).expand({x.size(0), 1, x.size(2)}), x}, 1);
    m = torch::cat({torch::ones({mask.size(0), 1}, mask.options()), mask}, 1);
  }
  auto h = encoder(dropout(positional(x)), m);
  if (options.labelling())
    return head(h);
  return head(pool(h, m, options.pooling()));
}

int64_t TextModelImpl::max_length() const {
  return positions_max_length(options.positional(), options.max_positions());
}

torch::Tensor TextModelImpl::drop_words(const torch::Tensor& tokens, const torch::Tensor& mask) {
  if (options.word_dropout() <= 0.0)
    return tokens;
  auto candidates = mask;
  torch::Tensor unseen;
  if (token_class.defined()) {
    // Only words with a class: the others (class tokens themselves, <unk>) are already unseen.
    unseen = token_class.index_select(0, tokens.reshape(-1)).view_as(tokens);
    candidates = candidates & (unseen != 0);
  } else {
    unseen = torch::full_like(tokens, Vocabulary::kUnknown);
  }
  const auto draws = torch::rand(tokens.sizes(), torch::TensorOptions().device(tokens.device()));
  return torch::where((draws < options.word_dropout()) & candidates, unseen, tokens);
}

}  // namespace attnzoo
