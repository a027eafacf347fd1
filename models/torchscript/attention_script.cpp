#include "models/torchscript/attention_script.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "models/attention/multi_head_attention.h"
#include "models/attention/self_attention.h"
#include "models/attention/sparse_attention.h"
#include "models/baselines/bilstm_mixer.h"
#include "models/baselines/convolution_mixer.h"
#include "models/torchscript/torchscript_file.h"

namespace attnzoo {

namespace {

// Linear layers without bias get a zero one, so that one source serves both.
void add_missing_biases(torch::jit::Module& module, const torch::nn::Module& layer) {
  for (const auto& item : layer.named_modules("", /*include_self=*/false)) {
    auto* linear = item.value()->as<torch::nn::Linear>();
    if (linear == nullptr || linear->bias.defined())
      continue;
    auto name = item.key();
    std::replace(name.begin(), name.end(), '.', '_');
    module.register_buffer(name + "_bias",
                           torch::zeros({linear->weight.size(0)}, linear->weight.options()));
  }
}

}  // namespace

std::string with_dtype_codes(std::string source) {
  for (const auto& [name, type] :
       {std::pair<std::string, torch::ScalarType>{"torch.long", torch::kLong},
        {"torch.bool", torch::kBool},
        {"torch.float64", torch::kDouble},
        {"torch.float32", torch::kFloat}}) {
    const auto code = std::to_string(static_cast<int>(type));
    for (auto at = source.find(name); at != std::string::npos; at = source.find(name, at)) {
      source.replace(at, name.size(), code);
      at += code.size();
    }
  }
  return source;
}

void register_strings(torch::jit::Module& module, const std::string& name,
                      const std::vector<std::string>& values) {
  c10::List<std::string> list;
  for (const auto& v : values)
    list.push_back(v);
  module.register_attribute(name, c10::ListType::ofStrings(), list);
}

void register_tensors(torch::jit::Module& target, const torch::nn::Module& source,
                      const std::string& prefix, const std::string& exclude) {
  torch::NoGradGuard no_grad;
  auto flat = [&](std::string name) {
    std::replace(name.begin(), name.end(), '.', '_');
    return prefix + name;
  };
  auto skipped = [&](const std::string& name) {
    return !exclude.empty() && name.rfind(exclude + ".", 0) == 0;
  };
  for (const auto& p : source.named_parameters()) {
    if (!skipped(p.key()))
      target.register_parameter(flat(p.key()), p.value().detach().clone(), /*is_buffer=*/false);
  }
  for (const auto& b : source.named_buffers()) {
    if (!skipped(b.key()))
      target.register_buffer(flat(b.key()), b.value().detach().clone());
  }
}

torch::jit::Module script_attention(AttentionLayerImpl& layer, const std::string& name,
                                    const std::shared_ptr<torch::jit::CompilationUnit>& unit) {
  torch::jit::Module module(name, unit, /*shouldMangle=*/true);
  register_tensors(module, layer);
  add_missing_biases(module, layer);

  int64_t d_model = 0, heads = 1, head_dim = 0;
  Score score = Score::kDot;
  Normalization normalization = Normalization::kSoftmax;
  bool has_output = true;
  auto* sparse = dynamic_cast<SparseAttentionImpl*>(&layer);
  std::string baseline;
  if (auto* conv = dynamic_cast<ConvolutionMixerImpl*>(&layer)) {
    const auto& o = conv->options;
    d_model = o.d_model();
    module.register_attribute("kernel_half", c10::IntType::get(), o.kernel_size() / 2);
    module.register_attribute("grid_offset", c10::IntType::get(), o.grid_offset());
    module.register_attribute("grid_width", c10::IntType::get(), o.grid_width());
    baseline = o.grid_width() > 0 ? "convolution2d" : "convolution1d";
  } else if (auto* lstm = dynamic_cast<BiLstmMixerImpl*>(&layer)) {
    d_model = lstm->options.d_model();
    baseline = "bilstm";
  } else if (auto* mha = dynamic_cast<MultiHeadAttentionImpl*>(&layer)) {
    const auto& o = mha->options;
    d_model = o.d_model();
    heads = o.heads();
    head_dim = mha->head_dim();
    score = o.score();
    normalization = o.normalization();
  } else if (auto* single = dynamic_cast<SelfAttentionImpl*>(&layer)) {
    const auto& o = single->options;
    d_model = head_dim = o.d_model();
    score = o.score();
    normalization = o.normalization();
    has_output = false;
  } else if (baseline.empty()) {
    TORCH_CHECK(false, "export: no TorchScript form for the attention layer ", layer.name());
  }
  module.register_attribute("d_model", c10::IntType::get(), d_model);
  module.register_attribute("heads", c10::IntType::get(), heads);
  module.register_attribute("relu", c10::BoolType::get(), normalization == Normalization::kRelu);
  module.register_attribute("scale", c10::FloatType::get(),
                            1.0 / std::sqrt(static_cast<double>(head_dim)));

  std::string source = torchscript_file("common");
  source += torchscript_file(score == Score::kDot ? "dot_score" : "additive_score");
  if (!baseline.empty()) {
    source += torchscript_file(baseline);
  } else if (const auto own = layer.script_source(); !own.empty()) {
    source += own;
  } else if (sparse == nullptr) {
    // Multi-head layers mix the heads with W^o; the single-head textbook layer has none.
    source += torchscript_file(has_output ? "output_projection" : "no_output_projection");
    source += torchscript_file("dense_forward");
  } else {
    const auto pattern = sparse->script_pattern();
    for (const auto& [buffer, value] : pattern.buffers)
      module.register_buffer(buffer, value.clone());
    // Longformer-style layers give global tokens their own projections.
    const bool own_global = module.hasattr("query_global_weight");
    source += torchscript_file(own_global ? "own_global_projections" : "shared_global_projections");
    source += torchscript_file("output_projection");
    source += torchscript_file("sparse_kernel");
    source += pattern.source;
    source += torchscript_file("sparse_forward");
  }
  module.define(with_dtype_codes(source));
  module.eval();
  return module;
}

}  // namespace attnzoo
