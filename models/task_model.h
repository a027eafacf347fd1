#pragma once
// What the trainer trains: any module that turns a Batch into logits, [B, C] for classification
// or [B, n, C] for labelling. The loss and the metric follow from the shape of the labels.

#include <torch/nn/module.h>

#include "datasets/batch.h"

namespace attnzoo {

class TaskModelImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const Batch& batch) = 0;
};

}  // namespace attnzoo
