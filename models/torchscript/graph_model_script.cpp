#include "models/torchscript/graph_model_script.h"

#include <fmt/core.h>

#include "models/attention/gat_attention.h"
#include "models/attention/graph_dot_attention.h"
#include "models/torchscript/attention_script.h"
#include "models/torchscript/torchscript_file.h"

namespace attnzoo {

torch::jit::Module script_graph_model(GraphModelImpl& model,
                                      const std::vector<std::string>& label_names) {
  torch::NoGradGuard no_grad;
  torch::jit::Module module("AttnzooGraphModel");
  const auto& options = model.options;
  module.register_attribute("feature_dim", c10::IntType::get(), options.feature_dim());
  module.register_attribute("row_normalize", c10::BoolType::get(), options.row_normalize());
  register_strings(module, "label_names", label_names);

  auto param = [&](const std::string& name, const torch::Tensor& value) {
    module.register_parameter(name, value.detach().clone(), /*is_buffer=*/false);
    return "self." + name;
  };
  auto buffer = [&](const std::string& name, const torch::Tensor& value) {
    module.register_buffer(name, value);
    return "self." + name;
  };
  std::string body;
  const auto count = model.layers->size();
  for (size_t l = 0; l < count; ++l) {
    const auto prefix = fmt::format("layer{}_", l);
    auto* layer = model.layers[l]->as<GraphAttentionLayerImpl>();
    const auto& o = layer->options;
    // A layer without bias adds a zero buffer, so that one script serves both.
    const auto width = o.concat() ? o.heads() * o.out_dim() : o.out_dim();
    const auto bias = o.bias() ? param(prefix + "bias", layer->named_parameters()["bias"])
                               : buffer(prefix + "bias", torch::zeros({width}));
    const char* concat = o.concat() ? "True" : "False";
    if (auto* gat = dynamic_cast<GatAttentionImpl*>(layer)) {
      body += fmt::format("    h = self.gat_layer(h, edge_index, {}, {}, {}, {}, {}, {}, {}, {})\n",
                          param(prefix + "weight", gat->project->weight),
                          param(prefix + "a_target", gat->a_target),
                          param(prefix + "a_source", gat->a_source), bias, o.heads(), o.out_dim(),
                          concat, fmt::format("{:.17g}", o.negative_slope()));
    } else if (auto* dot = dynamic_cast<GraphDotAttentionImpl*>(layer)) {
      body += fmt::format(
          "    h = self.dot_layer(h, edge_index, {}, {}, {}, {}, {}, {}, {})\n",
          param(prefix + "query", dot->query->weight), param(prefix + "key", dot->key->weight),
          param(prefix + "value", dot->value->weight), bias, o.heads(), o.out_dim(), concat);
    } else {
      TORCH_CHECK(false, "export: no TorchScript form for this graph attention layer");
    }
    if (l + 1 < count)
      body += "    h = self.elu(h)\n";
  }
  module.define(torchscript_file("graph_functions"));
  module.define(R"JIT(
def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
    self.check(x, edge_index)
    h = x
    if self.row_normalize:
        sums = h.sum(1, keepdim=True)
        h = h / torch.where(sums == 0, torch.ones_like(sums), sums)
)JIT" + body + "    return h\n");
  module.eval();
  return module;
}

}  // namespace attnzoo
