#pragma once
// A trained GraphModel as a TorchScript module: its parameters registered by name and its forward
// written in TorchScript source, so that torch::jit::load (C++) and torch.jit.load (Python) run
// it on graphs of any size. forward(x: float [N, F], edge_index: int64 [2, E]) -> logits [N, C];
// edge e lets node edge_index[1][e] attend to node edge_index[0][e] (self-loops are the caller's:
// add them as the training data did). Attention stays on the edge list.

#include <string>
#include <vector>

#include <torch/script.h>

#include "models/graph_model.h"

namespace attnzoo {

/// The module, with the attribute `label_names` (class names in logit order).
torch::jit::Module script_graph_model(GraphModelImpl& model,
                                      const std::vector<std::string>& label_names);

}  // namespace attnzoo
