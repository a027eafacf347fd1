#pragma once
// A trained sequence attention layer as a TorchScript module: its parameters registered by name
// and forward(x: float [B, n, d], mask: bool [B, n]) -> [B, n, d] written in TorchScript source,
// from the files in models/torchscript/source/ (common.py, the score's file, the forward of the
// layer's kind). Sparse variants keep their sparse computation: the general path of
// block_sparse_kernel (block table, strided groups, global tokens, one normalization over all of
// them) is sparse_kernel.py, and each variant's pattern comes from its own script_pattern(). A
// layer with its own script_source() gets a module holding its parameters and buffers
// (query.weight as query_weight), the attributes d_model, heads, relu and scale, and the helpers
// split, merge, normalize, check, scaled, kernel_score and score; its source adds forward.

#include <memory>
#include <string>
#include <vector>

#include <torch/script.h>

#include "models/attention/attention_layer.h"

namespace attnzoo {

/// The layer as a module of class `name` in `unit` (which mangles repeated names), for
/// sequences of any length.
torch::jit::Module script_attention(AttentionLayerImpl& layer, const std::string& name,
                                    const std::shared_ptr<torch::jit::CompilationUnit>& unit);

/// `source` with the dtype names torch.long, torch.bool, torch.float64 and torch.float32 replaced
/// by the ScalarType codes that Module::define understands (its resolver knows functions, not
/// dtype constants).
std::string with_dtype_codes(std::string source);

/// Registers `values` as the List[str] attribute `name` (label names, a vocabulary).
void register_strings(torch::jit::Module& module, const std::string& name,
                      const std::vector<std::string>& values);

/// Registers every parameter and buffer of `source` on `target` as attributes named by their
/// path with '.' replaced by '_' and `prefix` in front (query.weight -> prefix + query_weight),
/// except those under the child `exclude` (e.g. a part exported as its own module).
void register_tensors(torch::jit::Module& target, const torch::nn::Module& source,
                      const std::string& prefix = "", const std::string& exclude = "");

}  // namespace attnzoo
