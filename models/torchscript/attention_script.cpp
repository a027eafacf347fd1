#include "models/torchscript/attention_script.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/core.h>

#include "models/attention/multi_head_attention.h"
#include "models/attention/self_attention.h"
#include "models/attention/sparse_attention.h"
#include "models/baselines/bilstm_mixer.h"
#include "models/baselines/convolution_mixer.h"

namespace attnzoo {

namespace {

// What every exported attention layer has: heads split and merged, the normalization of
// attention_kernel.h (softmax or ReLU over the allowed keys; zeros for a query without one).
const char* kCommon = R"JIT(
def split(self, x: Tensor) -> Tensor:
    return x.view(x.size(0), x.size(1), self.heads, x.size(2) // self.heads).transpose(1, 2)

def merge(self, x: Tensor) -> Tensor:
    return x.transpose(1, 2).reshape(x.size(0), x.size(2), x.size(1) * x.size(3))

def normalize(self, scores: Tensor, allowed: Tensor) -> Tensor:
    allowed = allowed.expand_as(scores)
    if self.relu:
        count = allowed.sum(-1, keepdim=True).clamp_min(1).to(scores.dtype)
        return torch.relu(scores).masked_fill(~allowed, 0.0) / count
    row_has_key = allowed.any(-1, keepdim=True)
    masked = scores.masked_fill(~allowed, float('-inf')).masked_fill(~row_has_key, 0.0)
    return torch.softmax(masked, -1).masked_fill(~allowed, 0.0)

def check(self, x: Tensor, mask: Tensor):
    assert x.dim() == 3 and x.size(2) == self.d_model, "attention expects x [B, n, d_model]"
    assert mask.dim() == 2 and mask.size(0) == x.size(0) and mask.size(1) == x.size(1), \
        "attention expects mask [B, n]"
)JIT";

// ScoreFunction: `scaled(q)` and `kernel_score(q, k)` together give the scores of every query
// against every key, [..., n, d] x [..., m, d] -> [..., n, m]. The dot product puts 1 / sqrt(d)
// on the queries, as block_sparse_kernel does; `score` is the dense layers' form.
const char* kDotScore = R"JIT(
def scaled(self, q: Tensor) -> Tensor:
    return q * self.scale

def kernel_score(self, q: Tensor, k: Tensor) -> Tensor:
    return torch.matmul(q, k.transpose(-2, -1))

def score(self, q: Tensor, k: Tensor) -> Tensor:
    return torch.matmul(q * self.scale, k.transpose(-2, -1))
)JIT";

const char* kAdditiveScore = R"JIT(
def scaled(self, q: Tensor) -> Tensor:
    return q

def kernel_score(self, q: Tensor, k: Tensor) -> Tensor:
    hidden = torch.tanh(torch.linear(q, self.score_w_query_weight, self.score_w_query_bias).unsqueeze(-2)
                        + torch.linear(k, self.score_w_key_weight).unsqueeze(-3))
    return torch.matmul(hidden, self.score_v)

def score(self, q: Tensor, k: Tensor) -> Tensor:
    return self.kernel_score(q, k)
)JIT";

// Dense layers: every pair but padded keys.
const char* kDenseForward = R"JIT(
def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    q = self.split(torch.linear(x, self.query_weight, self.query_bias)).contiguous()
    k = self.split(torch.linear(x, self.key_weight, self.key_bias)).contiguous()
    v = self.split(torch.linear(x, self.value_weight, self.value_bias)).contiguous()
    weights = self.normalize(self.score(q, k), mask.view(mask.size(0), 1, 1, mask.size(1)))
    return {output}
)JIT";

// The general path of block_sparse_attention (block_sparse_kernel.cpp), part by part: the block
// table's keys gathered per query block, the strided part as dense attention inside each stride
// group, the global keys, and the rows of global queries over every key. The parts are
// normalized together; memory grows with n * (table keys + n / stride + globals), never n^2.
const char* kSparseKernel = R"JIT(
def kernel_block_size(self, requested: int, reach: int, n: int) -> int:
    if requested > 0:
        return requested
    return min(min(max(reach, 16), 128), max(n, 1))

def band_block_table(self, nq: int, block: int, left: int, right: int) -> Tuple[Tensor, Tensor]:
    q = torch.arange(nq, dtype=torch.long)
    lo = torch.div(q * block - left, block, rounding_mode='floor').clamp_min(0)
    hi = torch.div(q * block + block - 1 + right, block, rounding_mode='floor').clamp_max(nq - 1)
    count = hi - lo + 1
    width = int(count.max()) if nq > 0 else 0
    slots = torch.arange(width, dtype=torch.long).view(1, width)
    valid = slots < count.view(nq, 1)
    blocks = torch.where(valid, lo.view(nq, 1) + slots, torch.zeros_like(slots))
    return blocks.view(1, nq, width), valid.view(1, nq, width)

def stack_head_tables(self, tables: List[Tuple[Tensor, Tensor]]) -> Tuple[Tensor, Tensor]:
    width = 0
    for t in tables:
        width = max(width, t[0].size(2))
    blocks: List[Tensor] = []
    valid: List[Tensor] = []
    for t in tables:
        pad = width - t[0].size(2)
        blocks.append(torch.constant_pad_nd(t[0], [0, pad], 0))
        valid.append(torch.constant_pad_nd(t[1], [0, pad], 0))
    return torch.cat(blocks), torch.cat(valid)

def empty_table(self, nq: int) -> Tuple[Tensor, Tensor]:
    return torch.zeros([1, nq, 0], dtype=torch.long), torch.zeros([1, nq, 0], dtype=torch.bool)

def first_positions(self, n: int, count: int) -> Tensor:
    return torch.arange(n, dtype=torch.long) < count

def pad_rows(self, x: Tensor, length: int) -> Tensor:
    return torch.constant_pad_nd(x, [0, 0, 0, length - x.size(2)], 0.0)

def gather_blocks(self, x: Tensor, key_blocks: Tensor, block: int) -> Tensor:
    b = x.size(0)
    h = x.size(1)
    d = x.size(3)
    nq = key_blocks.size(1)
    width = key_blocks.size(2) * block
    if key_blocks.size(0) == 1:
        return x.reshape(b, h, nq, block, d).index_select(2, key_blocks.flatten()).view(b, h, nq, width, d)
    index = key_blocks + torch.arange(h, dtype=torch.long, device=x.device).view(h, 1, 1) * nq
    return x.reshape(b, h * nq, block, d).index_select(1, index.flatten()).view(b, h, nq, width, d)

def to_groups(self, x: Tensor, stride: int) -> Tensor:
    c = x.size(2) // stride
    return x.reshape(x.size(0), x.size(1), c, stride, x.size(3)).transpose(2, 3)

def from_groups(self, x: Tensor) -> Tensor:
    return x.transpose(2, 3).reshape(x.size(0), x.size(1), x.size(2) * x.size(3), x.size(4))

def sparse(self, q: Tensor, k: Tensor, v: Tensor, gq: Tensor, gk: Tensor, gv: Tensor,
           key_mask: Tensor) -> Tensor:
    b = q.size(0)
    h = q.size(1)
    n = q.size(2)
    d = q.size(3)
    device = q.device
    block, key_blocks, key_valid, stride, global_pos = self.pattern(n)
    key_blocks = key_blocks.to(device)
    key_valid = key_valid.to(device)
    global_pos = global_pos.to(device)
    nq = (n + block - 1) // block
    padded = nq * block
    groups = (padded + stride - 1) // stride if stride > 0 else 0
    full = max(padded, groups * stride)
    key_ok = torch.constant_pad_nd(key_mask & ~global_pos.view(1, n), [0, full - n], 0)
    qs = self.pad_rows(self.scaled(q), full)
    ks = self.pad_rows(k, full)
    vs = self.pad_rows(v, full)
    queries = qs[:, :, :padded]
    scores: List[Tensor] = []
    allowed: List[Tensor] = []
    ht = key_blocks.size(0)
    slots = key_blocks.size(2)
    width = slots * block
    block_values = vs
    # 1. Block part: query block i scores the key blocks of its table row.
    if slots > 0:
        positions = (key_blocks.unsqueeze(-1) * block
                     + torch.arange(block, dtype=torch.long, device=device)).reshape(ht, nq, width)
        keys = positions.unsqueeze(2)
        ok = key_valid.unsqueeze(-1).expand(ht, nq, slots, block).reshape(ht, nq, 1, width)
        ok = ok & (keys < n) & self.allows(
            torch.arange(ht, dtype=torch.long, device=device).view(ht, 1, 1, 1),
            torch.arange(padded, dtype=torch.long, device=device).view(1, nq, block, 1), keys)
        ok = ok & key_ok.index_select(1, positions.flatten()).view(b, ht, nq, 1, width)
        block_keys = self.gather_blocks(ks[:, :, :padded], key_blocks, block)
        block_values = self.gather_blocks(vs[:, :, :padded], key_blocks, block)
        scores.append(self.kernel_score(queries.reshape(b, h, nq, block, d), block_keys)
                      .reshape(b, h, padded, width))
        allowed.append(ok.expand(b, ht, nq, block, width).reshape(b, ht, padded, width)
                       .expand(b, h, padded, width))
    # 2. Strided part: (i - j) mod stride == 0, without the pairs the block part has.
    if stride > 0:
        length = groups * stride
        grouped = self.kernel_score(self.to_groups(qs[:, :, :length], stride),
                                    self.to_groups(ks[:, :, :length], stride))
        scores.append(self.from_groups(grouped)[:, :, :padded])
        rows = torch.arange(padded, dtype=torch.long, device=device)
        positions = (torch.arange(groups, dtype=torch.long, device=device).view(1, groups) * stride
                     + rows.view(padded, 1).remainder(stride))
        member = torch.zeros([ht, nq, nq], dtype=torch.long, device=device).scatter_add(
            2, key_blocks, key_valid.to(torch.long)) > 0
        query_pos = rows.view(1, padded, 1)
        key_pos = positions.unsqueeze(0)
        pair = (torch.div(query_pos, block, rounding_mode='floor') * nq
                + torch.div(key_pos, block, rounding_mode='floor').clamp_max(nq - 1))
        in_block = member.view(ht, nq * nq).index_select(1, pair.flatten()).view(ht, padded, groups)
        in_block = in_block & self.allows(
            torch.arange(ht, dtype=torch.long, device=device).view(ht, 1, 1), query_pos, key_pos)
        ok = ((key_pos < n) & ~in_block).unsqueeze(0) & \
            key_ok.index_select(1, positions.flatten()).view(b, 1, padded, groups)
        allowed.append(ok.expand(b, h, padded, groups))
    # 3. Global keys, which every query sees.
    global_index = global_pos.nonzero().flatten()
    count = global_index.numel()
    global_values = vs
    if count > 0:
        global_values = v.index_select(2, global_index)
        scores.append(self.kernel_score(queries, k.index_select(2, global_index)))
        allowed.append(key_mask.index_select(1, global_index).view(b, 1, 1, count)
                       .expand(b, h, padded, count))
    out = torch.zeros([b, h, padded, d], dtype=q.dtype, device=device)
    if len(scores) > 0:
        weights = self.normalize(torch.cat(scores, -1), torch.cat(allowed, -1))
        offset = 0
        if slots > 0:
            w = weights[:, :, :, :width].reshape(b, h, nq, block, width)
            out = out + torch.matmul(w, block_values).reshape(b, h, padded, d)
            offset = width
        if stride > 0:
            length = groups * stride
            w = self.pad_rows(weights[:, :, :, offset:offset + groups], length)
            grouped = torch.matmul(self.to_groups(w, stride), self.to_groups(vs[:, :, :length], stride))
            out = out + self.from_groups(grouped)[:, :, :padded]
            offset = offset + groups
        if count > 0:
            out = out + torch.matmul(weights[:, :, :, offset:], global_values)
    out = out[:, :, :n]
    # Global queries attend to every real key, with their own projections where the variant
    # has them; their rows replace what the parts computed.
    if count > 0:
        rows_q = self.scaled(gq.index_select(2, global_index))
        w = self.normalize(self.kernel_score(rows_q, gk), key_mask.view(b, 1, 1, n))
        out = torch.index_copy(out, 2, global_index, torch.matmul(w, gv))
    return out
)JIT";

const char* kSparseForward = R"JIT(
def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    q = self.split(torch.linear(x, self.query_weight, self.query_bias))
    k = self.split(torch.linear(x, self.key_weight, self.key_bias))
    v = self.split(torch.linear(x, self.value_weight, self.value_bias))
{globals}    out = self.sparse(q, k, v, gq, gk, gv, mask)
    return torch.linear(self.merge(out), self.output_weight, self.output_bias)
)JIT";

// The baselines (models/baselines), as their C++ forward computes them.
const char* kConvolution1d = R"JIT(
def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    h = x * mask.unsqueeze(-1).to(x.dtype)
    return torch.conv1d(h.transpose(1, 2), self.weight, self.bias, [1], [{half}]).transpose(1, 2)
)JIT";

const char* kConvolution2d = R"JIT(
def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    h = x * mask.unsqueeze(-1).to(x.dtype)
    b = x.size(0)
    d = x.size(2)
    cells = x.size(1) - {offset}
    grid = h[:, {offset}:].reshape(b, cells // {width}, {width}, d).permute(0, 3, 1, 2)
    out = torch.conv2d(grid, self.weight, self.bias, [1, 1], [{half}, {half}])
    out = out.permute(0, 2, 3, 1).reshape(b, cells, d)
    if {offset} > 0:
        centre = self.weight[:, :, {half}, {half}]
        out = torch.cat([torch.linear(h[:, :{offset}], centre, self.bias), out], 1)
    return out
)JIT";

const char* kBiLstm = R"JIT(
def run_lstm(self, x: Tensor, params: List[Tensor]) -> Tensor:
    state = torch.zeros([1, x.size(0), x.size(2) // 2], dtype=x.dtype, device=x.device)
    return torch.lstm(x, [state, state], params, True, 1, 0.0, False, False, True)[0]

def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    b = x.size(0)
    n = x.size(1)
    d = x.size(2)
    ahead = self.run_lstm(x, [self.forward_lstm_weight_ih_l0, self.forward_lstm_weight_hh_l0,
                              self.forward_lstm_bias_ih_l0, self.forward_lstm_bias_hh_l0])
    t = torch.arange(n, dtype=torch.long, device=x.device).view(1, n).expand(b, n)
    length = mask.sum(1, keepdim=True).to(torch.long)
    order = torch.where(t < length, length - 1 - t, t).unsqueeze(-1)
    back = self.run_lstm(x.gather(1, order.expand(b, n, d)),
                         [self.backward_lstm_weight_ih_l0, self.backward_lstm_weight_hh_l0,
                          self.backward_lstm_bias_ih_l0, self.backward_lstm_bias_hh_l0])
    return torch.cat([ahead, back.gather(1, order.expand(b, n, d // 2))], 2)
)JIT";

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
    baseline =
        o.grid_width() > 0
            ? fmt::format(kConvolution2d, fmt::arg("offset", o.grid_offset()),
                          fmt::arg("width", o.grid_width()), fmt::arg("half", o.kernel_size() / 2))
            : fmt::format(kConvolution1d, fmt::arg("half", o.kernel_size() / 2));
  } else if (auto* lstm = dynamic_cast<BiLstmMixerImpl*>(&layer)) {
    d_model = lstm->options.d_model();
    baseline = kBiLstm;
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

  std::string source = kCommon;
  source += score == Score::kDot ? kDotScore : kAdditiveScore;
  if (!baseline.empty()) {
    source += baseline;
  } else if (const auto own = layer.script_source(); !own.empty()) {
    source += own;
  } else if (sparse == nullptr) {
    // Multi-head layers mix the heads with W^o; the single-head textbook layer has none.
    const auto merged = std::string("self.merge(torch.matmul(weights, v))");
    source +=
        fmt::format(kDenseForward, fmt::arg("output", has_output ? "torch.linear(" + merged +
                                                                       ", self.output_weight, "
                                                                       "self.output_bias)"
                                                                 : merged));
  } else {
    const auto pattern = sparse->script_pattern();
    for (const auto& [buffer, value] : pattern.buffers)
      module.register_buffer(buffer, value.clone());
    // Longformer-style layers give global tokens their own projections.
    const bool own_global = module.hasattr("query_global_weight");
    const std::string globals =
        own_global
            ? "    gq = self.split(torch.linear(x, self.query_global_weight, "
              "self.query_global_bias))\n"
              "    gk = self.split(torch.linear(x, self.key_global_weight, self.key_global_bias))\n"
              "    gv = self.split(torch.linear(x, self.value_global_weight, "
              "self.value_global_bias))\n"
            : "    gq, gk, gv = q, k, v\n";
    source += kSparseKernel;
    source += pattern.source;
    source += fmt::format(kSparseForward, fmt::arg("globals", globals));
  }
  module.define(with_dtype_codes(source));
  module.eval();
  return module;
}

}  // namespace attnzoo
