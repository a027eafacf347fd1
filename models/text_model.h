#pragma once
// Token sequences -> logits: embedding + positional encoding -> encoder -> head. The head either
// classifies the sequence (pooling by a [CLS] token or by the mean over real tokens) or labels
// every token ("I saw a saw" -> PRON VERB DET NOUN).

#include <string>
#include <vector>

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/encoder.h"
#include "models/pooling.h"
#include "models/positional_encoding.h"
#include "models/task_model.h"

namespace attnzoo {

struct TextModelOptions {
  TextModelOptions(int64_t vocab_size, int64_t num_classes, EncoderOptions encoder)
      : vocab_size_(vocab_size), num_classes_(num_classes), encoder_(std::move(encoder)) {}
  TORCH_ARG(int64_t, vocab_size);
  TORCH_ARG(int64_t, num_classes);
  TORCH_ARG(EncoderOptions, encoder);
  TORCH_ARG(PositionalKind, positional) = PositionalKind::kSinusoidal;
  /// Learned positions: the table's rows, the longest input (in tokens, without the [CLS]
  /// token). Sinusoidal positions and none take any length.
  TORCH_ARG(int64_t, max_positions) = 512;
  TORCH_ARG(Pooling, pooling) = Pooling::kCls;
  /// A label per token ([B, n, C] logits) instead of one per sequence; pooling is then unused.
  TORCH_ARG(bool, labelling) = false;
  /// Dropout on the embeddings.
  TORCH_ARG(double, dropout) = 0.1;
  /// Empty, or one entry per token id: a second token whose embedding is added to the token's
  /// own (0: none). With word classes, the class of each word by shape and suffix, so that a word
  /// seen a few times in training still gets what its form says.
  TORCH_ARG(std::vector<int64_t>, token_classes) = {};
  /// In training, each real token is replaced with this probability by what an unseen word would
  /// get: with token_classes, a word with a class by its class token; without, any token by the
  /// unknown token. The embeddings of unseen words then learn from every word, and the model
  /// learns to tag from context and form alone.
  TORCH_ARG(double, word_dropout) = 0.0;
};

class TextModelImpl : public TaskModelImpl {
 public:
  explicit TextModelImpl(const TextModelOptions& options);

  /// tokens [B, n] int64, mask [B, n] bool (true at real tokens) -> logits [B, num_classes], or
  /// [B, n, num_classes] when labelling
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& mask);
  torch::Tensor forward(const Batch& batch) override { return forward(batch.inputs, batch.mask); }

  int64_t d_model() const { return options.encoder().layer().attention().d_model; }
  bool uses_cls_token() const { return !options.labelling() && options.pooling() == Pooling::kCls; }
  /// The longest input in tokens: max_positions with learned positions, else 0 (any length).
  int64_t max_length() const;
  /// `tokens` with real tokens replaced as word_dropout says (forward applies it in training).
  torch::Tensor drop_words(const torch::Tensor& tokens, const torch::Tensor& mask);

  TextModelOptions options;
  torch::nn::Embedding embedding{nullptr};
  PositionalEncoding positional{nullptr};
  torch::Tensor cls;          ///< [d_model], only when classifying with Pooling::kCls
  torch::Tensor token_class;  ///< [vocab_size] int64 buffer, only with token_classes
  torch::nn::Dropout dropout{nullptr};
  Encoder encoder{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(TextModel);

}  // namespace attnzoo
