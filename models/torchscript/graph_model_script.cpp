#include "models/torchscript/graph_model_script.h"

#include <fmt/core.h>

#include "models/attention/gat_attention.h"
#include "models/attention/graph_dot_attention.h"
#include "models/torchscript/attention_script.h"

namespace attnzoo {

namespace {

// Shared by every exported graph model: the softmax over each node's incoming edges, the
// weighted sum of the sources' values, and ELU, written as in edge_softmax.cpp.
const char* kGraphFunctions = R"JIT(
def edge_softmax(self, scores: Tensor, target: Tensor, num_nodes: int) -> Tensor:
    heads = scores.size(1)
    index = target.unsqueeze(1).expand(target.size(0), heads)
    top = torch.full([num_nodes, heads], float('-inf'), dtype=scores.dtype, device=scores.device)
    top = top.scatter_reduce(0, index, scores, "amax", include_self=True)
    e = torch.exp(scores - top.index_select(0, target))
    total = torch.zeros([num_nodes, heads], dtype=scores.dtype, device=scores.device)
    total = total.index_add(0, target, e)
    return e / total.index_select(0, target)

def aggregate(self, weights: Tensor, values: Tensor, edge_index: Tensor) -> Tensor:
    messages = weights.unsqueeze(-1) * values.index_select(0, edge_index[0])
    return torch.zeros_like(values).index_add(0, edge_index[1], messages)

def combine(self, heads: Tensor, bias: Tensor, concat: bool) -> Tensor:
    if concat:
        out = heads.reshape(heads.size(0), heads.size(1) * heads.size(2))
    else:
        out = heads.mean(1)
    return out + bias

def elu(self, x: Tensor) -> Tensor:
    return torch.where(x > 0, x, torch.expm1(x))

def gat_layer(self, x: Tensor, edge_index: Tensor, weight: Tensor, a_target: Tensor,
              a_source: Tensor, bias: Tensor, heads: int, dim: int, concat: bool,
              slope: float) -> Tensor:
    n = x.size(0)
    h = torch.matmul(x, weight.t()).view(n, heads, dim)
    s = (h * a_target).sum(-1).index_select(0, edge_index[1]) + \
        (h * a_source).sum(-1).index_select(0, edge_index[0])
    s = torch.where(s > 0, s, s * slope)
    w = self.edge_softmax(s, edge_index[1], n)
    return self.combine(self.aggregate(w, h, edge_index), bias, concat)

def dot_layer(self, x: Tensor, edge_index: Tensor, wq: Tensor, wk: Tensor, wv: Tensor,
              bias: Tensor, heads: int, dim: int, concat: bool) -> Tensor:
    n = x.size(0)
    q = torch.matmul(x, wq.t()).view(n, heads, dim)
    k = torch.matmul(x, wk.t()).view(n, heads, dim)
    v = torch.matmul(x, wv.t()).view(n, heads, dim)
    s = (q.index_select(0, edge_index[1]) * k.index_select(0, edge_index[0])).sum(-1)
    w = self.edge_softmax(s / (dim ** 0.5), edge_index[1], n)
    return self.combine(self.aggregate(w, v, edge_index), bias, concat)

def check(self, x: Tensor, edge_index: Tensor):
    assert x.dim() == 2 and x.size(1) == self.feature_dim, \
        "expected node features [N, " + str(self.feature_dim) + "]"
    assert edge_index.dim() == 2 and edge_index.size(0) == 2, "expected edge_index [2, E]"
    if edge_index.numel() > 0:
        assert int(edge_index.min()) >= 0 and int(edge_index.max()) < x.size(0), \
            "an edge names a node outside 0..N-1"
)JIT";

}  // namespace

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
  module.define(kGraphFunctions);
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
