#include "models/attention/block_sparse_kernel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <torch/torch.h>

#include "models/attention/block_sparse/band.h"
#include "models/attention/block_sparse/fused.h"
#include "models/attention/block_sparse/joint_softmax.h"
#include "models/attention/block_sparse/layout.h"

namespace attnzoo {

using namespace pattern_detail;

using namespace block_sparse;

namespace {

torch::Tensor is_global_mask(const SparsePattern& p, const torch::Tensor& global_mask,
                             int64_t batch) {
  auto is_global = p.globals.defined() ? p.globals.view({1, p.length}).expand({batch, p.length})
                                       : torch::zeros({batch, p.length}, torch::kBool);
  return global_mask.defined() ? is_global | global_mask : is_global.contiguous();
}

void check_inputs(const SparsePattern& p, const SparseAttentionInputs& in) {
  TORCH_CHECK(in.q.dim() == 4 && in.k.sizes() == in.q.sizes() && in.v.sizes() == in.q.sizes(),
              "sparse attention expects q, k, v [batch, heads, n, head_dim] of one shape, got ",
              in.q.sizes(), ", ", in.k.sizes(), ", ", in.v.sizes());
  TORCH_CHECK(in.q.size(2) == p.length, "pattern is for length ", p.length, " but the input has ",
              in.q.size(2));
  TORCH_CHECK(p.table_heads() == 1 || p.table_heads() == in.q.size(1), "pattern has ",
              p.table_heads(), " head tables for ", in.q.size(1), " heads");
  for (const auto* m : {&in.key_mask, &in.global_mask}) {
    TORCH_CHECK(!m->defined() || (m->scalar_type() == torch::kBool && m->dim() == 2 &&
                                  m->size(0) == in.q.size(0) && m->size(1) == p.length),
                "masks must be [batch, length] = [", in.q.size(0), ", ", p.length,
                "] bool tensors, got ", m->sizes(), " ", m->scalar_type());
  }
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> block_sparse_attention(const SparsePattern& p,
                                                               const SparseAttentionInputs& in) {
  check_inputs(p, in);
  const int64_t batch = in.q.size(0), heads = in.q.size(1), n = p.length, dim = in.q.size(3);
  // Scaled dot product: the 1 / sqrt(d) goes on the queries (n x d) rather than on the scores
  // (n x keys): the same products, one pass less over the largest tensors.
  const double scale = in.score ? 1.0 : 1.0 / std::sqrt(static_cast<double>(dim));
  const auto score = [&](const torch::Tensor& query, const torch::Tensor& key) {
    return in.score ? in.score(query, key) : torch::matmul(query, key.transpose(-2, -1));
  };
  const auto scaled = [&](const torch::Tensor& x) { return in.score ? x : x * scale; };
  const int64_t b = p.block, nq = p.query_blocks(), padded = p.padded_length();
  const int64_t stride = p.stride, groups = stride > 0 ? (padded + stride - 1) / stride : 0;
  const int64_t full = std::max(padded, groups * stride);  // every part fits in [0, full)

  auto is_global = is_global_mask(p, in.global_mask, batch);
  auto real = in.key_mask.defined() ? in.key_mask : torch::ones({batch, n}, torch::kBool);
  // Keys of the block and strided parts: real, not global (those are in the global part), < n.
  auto key_ok = torch::constant_pad_nd(real & ~is_global, {0, full - n}, 0);
  auto q = pad_positions(scaled(in.q), full), k = pad_positions(in.k, full);
  auto v = pad_positions(in.v, full);
  auto queries = q.narrow(2, 0, padded);

  auto globals = global_slots(is_global);

  // Global queries attend to every real key: a small dense [G, n] attention, with the global
  // projections when the variant has them. Their rows replace what the parts below compute.
  torch::Tensor global_weights;
  const auto with_global_rows = [&](torch::Tensor output) {
    if (globals.count == 0)
      return output;
    const auto& gq = in.global_q.defined() ? in.global_q : in.q;
    const auto& gk = in.global_k.defined() ? in.global_k : in.k;
    const auto& gv = in.global_v.defined() ? in.global_v : in.v;
    global_weights = normalize_scores(score(scaled(gather_rows(gq, globals.index)), gk),
                                      key_padding_to_allowed(in.key_mask), in.normalization);
    auto rows = torch::matmul(in.dropout ? in.dropout(global_weights) : global_weights, gv);
    auto row_of = globals.slot.view({batch, 1, n, 1});
    return torch::where(is_global.view({batch, 1, n, 1}),
                        rows.gather(2, row_of.expand({batch, heads, n, dim})), output);
  };
  // Global keys: every query scores the G global tokens, which sit in the same softmax as its
  // window keys (they are removed from the block and strided parts, so none is counted twice).
  const auto global_keys_allowed = [&] {
    return globals.valid & real.gather(1, globals.index);  // [B, G]
  };

  // 1. Block part: query block i scores the K key blocks of its table row. A band table (local
  // attention's) is scored on shifted views of the keys; any other table on copies of its key
  // blocks. Its mask: [B, Ht, nq, b, slots * b].
  const auto band = in.score ? BandLayout() : band_layout(p);
  const int64_t front = band.ok ? -band.shift * b : 0;
  const int64_t back = band.ok ? (band.width - 1 + band.shift) * b : 0;
  const auto shifted = [&](const torch::Tensor& x) {
    return torch::constant_pad_nd(x.narrow(2, 0, padded), {0, 0, front, back}, 0);
  };
  torch::Tensor block_positions, block_ok;
  if (band.ok) {
    block_positions = band_key_positions(p, band).clamp(0, full - 1).unsqueeze(0);  // [1, nq, Wb]
    block_ok =
        band_pattern_allowed(p, band) & gather_key_mask(key_ok, block_positions).unsqueeze(3);
  } else if (p.key_blocks.size(2) > 0) {
    block_positions = block_key_positions(p);  // [Ht, nq, Kb]
    block_ok = block_pattern_allowed(p) & gather_key_mask(key_ok, block_positions).unsqueeze(3);
  }

  // The common case of long sequences in one fused autograd function (block_sparse/fused.h).
  // It works one head at a time, so it pays off once a head's queries fill a chunk; shorter
  // sequences are cheaper in the general path below, batched over every head at once (their
  // score tensors are small anyway).
  if (block_ok.defined() && !in.score && stride == 0 && !in.dropout && !in.need_weights &&
      in.normalization == Normalization::kSoftmax && padded >= in.chunk_queries) {
    auto gk = in.k.narrow(2, 0, 0), gv = gk;
    auto global_masked = torch::zeros({batch, 0}, torch::kBool);
    if (globals.count > 0) {
      gk = gather_rows(in.k, globals.index);
      gv = gather_rows(in.v, globals.index);
      global_masked = global_keys_allowed().logical_not();
    }
    auto masked = block_ok.logical_not().contiguous();
    auto out = band.ok
                   ? fused_block_attention(queries, shifted(k), shifted(v), gk, gv, masked,
                                           global_masked, torch::empty({0}, torch::kLong), b,
                                           band.width, in.chunk_queries)
                   : fused_block_attention(queries, k.narrow(2, 0, padded), v.narrow(2, 0, padded),
                                           gk, gv, masked, global_masked, p.key_blocks, b,
                                           p.key_blocks.size(2), in.chunk_queries);
    return {with_global_rows(out.narrow(2, 0, n)), {}};
  }

  // Each part scores every query against its own keys: scores [B, h, padded, m] with a mask
  // broadcastable to it, and (only for need_weights) the key position of each score.
  std::vector<torch::Tensor> scores, allowed, key_positions;
  torch::Tensor block_values;
  if (band.ok) {
    block_values = shifted(v);
    const int64_t width = band.width * b;
    scores.push_back(band_attention_scores(queries, shifted(k), b, band.width));
    allowed.push_back(block_ok.view({batch, 1, padded, width}));
    if (in.need_weights) {
      key_positions.push_back(
          block_positions.unsqueeze(2).expand({-1, -1, b, -1}).reshape({1, padded, width}));
    }
  } else if (block_ok.defined()) {
    auto keys = gather_blocks(k.narrow(2, 0, padded), p.key_blocks, b);  // [B, h, nq, Kb, d]
    block_values = gather_blocks(v.narrow(2, 0, padded), p.key_blocks, b);
    scores.push_back(score(queries.reshape({batch, heads, nq, b, dim}), keys)
                         .view({batch, heads, padded, p.block_keys()}));
    allowed.push_back(block_ok.view({batch, p.table_heads(), padded, p.block_keys()}));
    if (in.need_weights) {
      key_positions.push_back(block_positions.unsqueeze(2)
                                  .expand({-1, -1, b, -1})
                                  .reshape({p.table_heads(), padded, p.block_keys()}));
    }
  }

  // 2. Strided part: dense inside each stride group (see to_stride_groups).
  if (stride > 0) {
    auto grouped = score(to_stride_groups(q.narrow(2, 0, groups * stride), stride),
                         to_stride_groups(k.narrow(2, 0, groups * stride), stride));
    auto positions = strided_key_positions(p);  // [padded, c]
    scores.push_back(from_stride_groups(grouped).narrow(2, 0, padded));
    allowed.push_back(strided_pattern_allowed(p) & gather_key_mask(key_ok, positions).unsqueeze(1));
    key_positions.push_back(positions.unsqueeze(0));
  }

  // 3. Global keys.
  torch::Tensor global_values;
  if (globals.count > 0) {
    global_values = gather_rows(in.v, globals.index);
    scores.push_back(score(queries, gather_rows(in.k, globals.index)));
    allowed.push_back(global_keys_allowed().view({batch, 1, 1, globals.count}));
    key_positions.push_back(globals.index.view({batch, 1, 1, globals.count}));
  }

  // One normalization over all parts together, with the semantics of normalize_scores (the
  // dense layers' function): zero for a query with no allowed key.
  auto weights = scores.empty() ? std::vector<torch::Tensor>()
                                : normalize_parts(scores, allowed, in.normalization);
  torch::Tensor output;
  auto accumulate = [&](const torch::Tensor& part) {
    output = output.defined() ? output + part : part;
  };
  size_t part = 0;
  auto next_weights = [&] { return in.dropout ? in.dropout(weights[part++]) : weights[part++]; };
  scores.clear();  // the weights are all that is needed from here on
  if (band.ok) {
    accumulate(band_attention_values(next_weights(), block_values, b, band.width));
  } else if (block_values.defined()) {
    auto w = next_weights().view({batch, heads, nq, b, p.block_keys()});
    accumulate(torch::matmul(w, block_values).view({batch, heads, padded, dim}));
  }
  if (stride > 0) {
    auto w = pad_positions(next_weights(), groups * stride);
    auto grouped = torch::matmul(to_stride_groups(w, stride),
                                 to_stride_groups(v.narrow(2, 0, groups * stride), stride));
    accumulate(from_stride_groups(grouped).narrow(2, 0, padded));
  }
  if (global_values.defined()) {
    accumulate(torch::matmul(next_weights(), global_values));
  }
  // A pattern with no part at all (e.g. `global` with no global token) sees nothing: zeros.
  output = output.defined() ? output.narrow(2, 0, n) : torch::zeros_like(in.q);

  output = with_global_rows(output);
  if (!in.need_weights) {
    return {output, {}};
  }

  // Dense weights for inspection: scatter each part's weights to their key positions.
  auto dense = torch::zeros({batch, heads, padded, full}, in.q.options());
  for (size_t i = 0; i < weights.size(); ++i) {
    auto index = key_positions[i].expand({batch, heads, padded, weights[i].size(-1)});
    dense = dense.scatter_add(3, index, weights[i]);
  }
  dense = dense.narrow(2, 0, n).narrow(3, 0, n);
  if (globals.count > 0) {
    auto row_of = globals.slot.view({batch, 1, n, 1}).expand({batch, heads, n, n});
    dense = torch::where(is_global.view({batch, 1, n, 1}), global_weights.gather(2, row_of), dense);
  }
  return {output, dense};
}

std::pair<torch::Tensor, torch::Tensor> dense_pattern_attention(const SparsePattern& p,
                                                                const SparseAttentionInputs& in) {
  check_inputs(p, in);
  const auto score = in.score ? in.score : dot_product_scores;
  auto allowed = p.dense_mask(in.global_mask);  // [B or 1, Ht, n, n]
  if (in.key_mask.defined())
    allowed = allowed & key_padding_to_allowed(in.key_mask);
  auto weights = normalize_scores(score(in.q, in.k), allowed, in.normalization);
  auto output = torch::matmul(in.dropout ? in.dropout(weights) : weights, in.v);
  if (in.global_q.defined()) {
    // Rows of global queries come from the global projections, over every real key.
    auto is_global = is_global_mask(p, in.global_mask, in.q.size(0)).view({-1, 1, p.length, 1});
    auto global_weights = normalize_scores(score(in.global_q, in.global_k),
                                           key_padding_to_allowed(in.key_mask), in.normalization);
    auto rows =
        torch::matmul(in.dropout ? in.dropout(global_weights) : global_weights, in.global_v);
    output = torch::where(is_global, rows, output);
    weights = torch::where(is_global, global_weights, weights);
  }
  return {output, in.need_weights ? weights : torch::Tensor()};
}

}  // namespace attnzoo
