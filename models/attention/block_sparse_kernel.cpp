#include "models/attention/block_sparse_kernel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <torch/autograd.h>

namespace attnzoo {

using namespace pattern_detail;

namespace {

// The global tokens of each example, packed into G slots: index [B, G] holds their positions
// (valid [B, G] marks real slots when examples have different numbers), slot [B, n] the slot of
// each global position.
struct GlobalSlots {
  int64_t count = 0;
  torch::Tensor index, valid, slot;
};

GlobalSlots global_slots(const torch::Tensor& is_global) {
  GlobalSlots g;
  g.count = is_global.sum(1).max().item<int64_t>();
  if (g.count == 0)
    return g;
  const int64_t batch = is_global.size(0);
  // A stable descending sort puts each example's global positions first, in order.
  auto order = std::get<1>(torch::sort(is_global.to(torch::kInt), /*stable=*/true, /*dim=*/1,
                                       /*descending=*/true));
  g.index = order.narrow(1, 0, g.count).contiguous();
  g.valid = is_global.gather(1, g.index);
  g.slot = torch::zeros_like(is_global, torch::kLong)
               .scatter(1, g.index, torch::arange(g.count, torch::kLong).expand({batch, g.count}));
  return g;
}

// x [B, h, n, d] at the positions index [B, G] -> [B, h, G, d].
torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& index) {
  const int64_t batch = x.size(0), heads = x.size(1), count = index.size(1), dim = x.size(3);
  return x.gather(2, index.view({batch, 1, count, 1}).expand({batch, heads, count, dim}));
}

// The key (or value) blocks of every query block, side by side: x [B, h, nq * b, d] and a table
// [Ht, nq, K] -> [B, h, nq, K * b, d]. One index_select copies K blocks per query block; with a
// per-head table the (head, block) pairs are flattened so that one index_select still does it.
torch::Tensor gather_blocks(const torch::Tensor& x, const torch::Tensor& key_blocks,
                            int64_t block) {
  const int64_t batch = x.size(0), heads = x.size(1), dim = x.size(3);
  const int64_t nq = key_blocks.size(1), width = key_blocks.size(2) * block;
  if (key_blocks.size(0) == 1) {
    return x.reshape({batch, heads, nq, block, dim})
        .index_select(2, key_blocks.flatten())
        .view({batch, heads, nq, width, dim});
  }
  auto index = key_blocks + torch::arange(heads, torch::kLong).view({heads, 1, 1}) * nq;
  return x.reshape({batch, heads * nq, block, dim})
      .index_select(1, index.flatten())
      .view({batch, heads, nq, width, dim});
}

// A block table that is a band: slot o of query block q is key block q + shift + o, for o in
// [0, width), with shift <= 0 <= shift + width - 1. When a single-head table lists, in every row,
// distinct blocks that all fit such a band no wider than the table, the block part can be computed
// on shifted views of the (padded) keys and values instead of gathered copies of them: `valid`
// [nq, width] says which band slots are in the row's table.
struct BandLayout {
  bool ok = false;
  int64_t shift = 0, width = 0;
  torch::Tensor valid;
};

BandLayout band_layout(const SparsePattern& p) {
  BandLayout band;
  const int64_t nq = p.query_blocks(), slots = p.key_blocks.size(2);
  if (p.table_heads() != 1 || slots == 0 || nq == 0)
    return band;
  auto blocks_t = p.key_blocks.contiguous();
  auto valid_t = p.key_valid.contiguous();
  auto blocks = blocks_t.accessor<int64_t, 3>();
  auto valid = valid_t.accessor<bool, 3>();
  int64_t lo = 0, hi = 0;  // the band always holds the diagonal block
  for (int64_t q = 0; q < nq; ++q) {
    for (int64_t o = 0; o < slots; ++o) {
      if (valid[0][q][o]) {
        lo = std::min(lo, blocks[0][q][o] - q);
        hi = std::max(hi, blocks[0][q][o] - q);
      }
    }
  }
  const int64_t width = hi - lo + 1;
  if (width > slots)
    return band;
  band.valid = torch::zeros({nq, width}, torch::kBool);
  auto slot = band.valid.accessor<bool, 2>();
  for (int64_t q = 0; q < nq; ++q) {
    for (int64_t o = 0; o < slots; ++o) {
      if (!valid[0][q][o])
        continue;
      const int64_t key = blocks[0][q][o];
      if (key < 0 || key >= nq || slot[q][key - q - lo])
        return band;  // out of range or listed twice: leave it to the general path
      slot[q][key - q - lo] = true;
    }
  }
  band.ok = true;
  band.shift = lo;
  band.width = width;
  return band;
}

// [nq, width * b] int64: the key position of each band slot (may be < 0 or >= padded length,
// where the slot is never valid).
torch::Tensor band_key_positions(const SparsePattern& p, const BandLayout& band) {
  const int64_t nq = p.query_blocks(), b = p.block;
  auto first = (torch::arange(nq, torch::kLong).view({nq, 1, 1}) + band.shift +
                torch::arange(band.width, torch::kLong).view({1, band.width, 1})) *
               b;
  return (first + torch::arange(b, torch::kLong).view({1, 1, b})).view({nq, band.width * b});
}

// [1, nq, b, width * b] bool: the band pairs the pattern allows (listed block, allows(), key in
// [0, length)); padding and global keys are removed per example, as for the general path.
torch::Tensor band_pattern_allowed(const SparsePattern& p, const BandLayout& band) {
  const int64_t nq = p.query_blocks(), b = p.block, width = band.width * b;
  auto keys = band_key_positions(p, band).view({1, nq, 1, width});
  auto allowed = band.valid.view({1, nq, band.width, 1})
                     .expand({1, nq, band.width, b})
                     .reshape({1, nq, 1, width}) &
                 (keys >= 0) & (keys < p.length);
  if (p.allows) {
    auto head = torch::zeros({1, 1, 1, 1}, torch::kLong);
    auto queries = torch::arange(p.padded_length(), torch::kLong).view({1, nq, b, 1});
    allowed = allowed & p.allows(head, queries, keys);
  }
  return allowed.expand({1, nq, b, width});
}

// The products of a band, on [B * h, ...] contiguous tensors: queries q [bh, nq, b, d], keys
// and values [bh, (nq + W - 1) * b, d] padded so that band slot o of query block q is key block
// q + o, scores and weights [bh, nq, b, W * b]. One batched product per (head, slot) on views of
// the keys and values, never a gathered copy of them.
torch::Tensor band_keys(const torch::Tensor& x, int64_t o, int64_t nq, int64_t block) {
  return x.narrow(0, o * block, nq * block).view({nq, block, x.size(1)});
}

// One (example, head): q [nq, b, d], keys [(nq + W - 1) * b, d] -> scores [nq, b, W * b].
torch::Tensor band_scores_head(const torch::Tensor& q, const torch::Tensor& k, int64_t width) {
  const int64_t nq = q.size(0), b = q.size(1);
  auto scores = torch::empty({nq, b, width * b}, q.options());
  for (int64_t o = 0; o < width; ++o) {
    auto slot = scores.narrow(2, o * b, b);
    torch::bmm_out(slot, q, band_keys(k, o, nq, b).transpose(1, 2));
  }
  return scores;
}

// out [nq, b, d] += weights [nq, b, W * b] times the band of values [(nq + W - 1) * b, d].
void band_values_head(torch::Tensor out, const torch::Tensor& w, const torch::Tensor& v,
                      int64_t width) {
  const int64_t nq = w.size(0), b = w.size(1);
  out.zero_();
  for (int64_t o = 0; o < width; ++o)
    out.baddbmm_(w.narrow(2, o * b, b), band_keys(v, o, nq, b));
}

// The transposed band product, the gradient's half that lands on the banded side: for each block
// offset o, rows of `a` [nq, b, W * b] at offset o times `x` [nq, b, m] accumulate into the band
// of `out` [(nq + W - 1) * b, m] (dk of the scores, dv of the weighted sum).
void band_transposed_head(torch::Tensor out, const torch::Tensor& a, const torch::Tensor& x,
                          int64_t width) {
  const int64_t nq = x.size(0), b = x.size(1);
  for (int64_t o = 0; o < width; ++o)
    band_keys(out, o, nq, b).baddbmm_(a.narrow(2, o * b, b).transpose(1, 2), x);
}

// The same on [B * h, ...] tensors, one (example, head) at a time.
torch::Tensor band_scores(const torch::Tensor& q, const torch::Tensor& k, int64_t width) {
  const int64_t bh = q.size(0), nq = q.size(1), b = q.size(2);
  auto scores = torch::empty({bh, nq, b, width * b}, q.options());
  for (int64_t i = 0; i < bh; ++i)
    scores[i].copy_(band_scores_head(q[i], k[i], width));
  return scores;
}

torch::Tensor band_values(const torch::Tensor& w, const torch::Tensor& v, int64_t width) {
  auto out = torch::empty({w.size(0), w.size(1), w.size(2), v.size(2)}, v.options());
  for (int64_t i = 0; i < w.size(0); ++i)
    band_values_head(out[i], w[i], v[i], width);
  return out;
}

torch::Tensor band_transposed_product(const torch::Tensor& a, const torch::Tensor& b,
                                      const torch::Tensor& like, int64_t width) {
  auto out = torch::zeros_like(like);
  for (int64_t i = 0; i < b.size(0); ++i)
    band_transposed_head(out[i], a[i], b[i], width);
  return out;
}

// Gradients of band_scores: {dq, dk}. dq sums the gradient over the band keys, which is
// band_values' product; dk is the transposed product.
std::pair<torch::Tensor, torch::Tensor> band_scores_backward(const torch::Tensor& g,
                                                             const torch::Tensor& q,
                                                             const torch::Tensor& k,
                                                             int64_t width) {
  return {band_values(g, k, width), band_transposed_product(g, q, k, width)};
}

// Gradients of band_values: {dw, dv}. dw scores the output gradient against the band values,
// which is band_scores' product; dv is the transposed product.
std::pair<torch::Tensor, torch::Tensor> band_values_backward(const torch::Tensor& g,
                                                             const torch::Tensor& w,
                                                             const torch::Tensor& v,
                                                             int64_t width) {
  return {band_scores(g, v, width), band_transposed_product(w, g, v, width)};
}

// [B, h, rows, d] -> contiguous [B * h, rows / block, block, d].
torch::Tensor to_blocks(const torch::Tensor& x, int64_t block) {
  return x.contiguous().view({x.size(0) * x.size(1), x.size(2) / block, block, x.size(3)});
}

torch::Tensor to_rows(const torch::Tensor& x) {  // [B, h, L, d] -> contiguous [B * h, L, d]
  return x.contiguous().view({x.size(0) * x.size(1), x.size(2), x.size(3)});
}

// Scores of a band as an autograd function: queries [B, h, nq * b, d] and keys [B, h,
// (nq + W - 1) * b, d] -> [B, h, nq * b, W * b]. Keeps q and k only.
class BandScores : public torch::autograd::Function<BandScores> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, int64_t block, int64_t width) {
    auto qc = to_blocks(q, block), kc = to_rows(k);
    ctx->save_for_backward({qc, kc});
    ctx->saved_data["width"] = width;
    ctx->saved_data["k_shape"] = k.sizes().vec();
    return band_scores(qc, kc, width).view({q.size(0), q.size(1), q.size(2), width * block});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &qc = saved[0], &kc = saved[1];
    const int64_t width = ctx->saved_data["width"].toInt();
    auto g = grads[0].contiguous().view({qc.size(0), qc.size(1), qc.size(2), -1});
    auto [dq, dk] = band_scores_backward(g, qc, kc, width);
    const auto k_shape = ctx->saved_data["k_shape"].toIntVector();
    return {dq.view({k_shape[0], k_shape[1], -1, k_shape[3]}), dk.view(k_shape), torch::Tensor(),
            torch::Tensor()};
  }
};

// The weighted sum of a band as an autograd function: weights [B, h, nq * b, W * b] and values
// laid out as for BandScores -> [B, h, nq * b, d]. Keeps the weights (the tensor the softmax keeps
// anyway) and the values.
class BandValues : public torch::autograd::Function<BandValues> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& w,
                               const torch::Tensor& v, int64_t block, int64_t width) {
    auto wc = to_blocks(w, block), vc = to_rows(v);
    ctx->save_for_backward({wc, vc});
    ctx->saved_data["width"] = width;
    ctx->saved_data["v_shape"] = v.sizes().vec();
    return band_values(wc, vc, width).view({w.size(0), w.size(1), w.size(2), v.size(3)});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &wc = saved[0], &vc = saved[1];
    const int64_t width = ctx->saved_data["width"].toInt();
    auto g = grads[0].contiguous().view({wc.size(0), wc.size(1), wc.size(2), vc.size(2)});
    auto [dw, dv] = band_values_backward(g, wc, vc, width);
    const auto v_shape = ctx->saved_data["v_shape"].toIntVector();
    return {dw.view({v_shape[0], v_shape[1], -1, dw.size(3)}), dv.view(v_shape), torch::Tensor(),
            torch::Tensor()};
  }
};

// A run of query blocks [first, first + count) and, for a band, the key rows it reads: the band
// functions work on it exactly as on the whole band. Chunks keep one head's temporaries small
// (in cache, and recycled by the allocator) whatever the length, so time grows linearly with it.
struct QueryChunk {
  int64_t first, count, block, width;
  torch::Tensor queries(const torch::Tensor& x) const { return x.narrow(0, first, count); }
  torch::Tensor keys(const torch::Tensor& x) const {
    return x.narrow(0, first * block, (count + width - 1) * block);
  }
};

// Chunks of about `queries` queries (at least one block each).
std::vector<QueryChunk> query_chunks(int64_t nq, int64_t block, int64_t width, int64_t queries) {
  const int64_t size = std::max<int64_t>(1, queries / block);
  std::vector<QueryChunk> chunks;
  for (int64_t first = 0; first < nq; first += size)
    chunks.push_back({first, std::min(size, nq - first), block, width});
  return chunks;
}

// The key blocks of every query block, for FusedBlockAttention: a band (shifted views of the
// key rows [(nq + W - 1) * b, d]) or a table (copies of the listed blocks of the rows [nq * b, d],
// made one chunk at a time). `width` is the number of slots: W for a band, K for a table.
struct BlockKeys {
  torch::Tensor table;  // [Ht, nq, K] int64 for a table; empty for a band
  int64_t block = 0, width = 0;

  bool band() const { return table.numel() == 0; }

  torch::Tensor index(const QueryChunk& c, int64_t head) const {
    return table[head % table.size(0)].narrow(0, c.first, c.count).flatten();
  }
  // The chunk's key blocks side by side: [count, K * b, d].
  torch::Tensor gather(const QueryChunk& c, const torch::Tensor& rows, int64_t head) const {
    return rows.view({-1, block, rows.size(1)})
        .index_select(0, index(c, head))
        .view({c.count, width * block, rows.size(1)});
  }
  // q [count, b, d] against the chunk's keys: [count, b, slots * b].
  torch::Tensor scores(const QueryChunk& c, const torch::Tensor& q, const torch::Tensor& rows,
                       int64_t head) const {
    if (band())
      return band_scores_head(q, c.keys(rows), width);
    return torch::bmm(q, gather(c, rows, head).transpose(1, 2));
  }
  // out [count, b, m] = w [count, b, slots * b] times the chunk's rows.
  void values(const QueryChunk& c, torch::Tensor out, const torch::Tensor& w,
              const torch::Tensor& rows, int64_t head) const {
    if (band()) {
      band_values_head(out, w, c.keys(rows), width);
    } else {
      torch::bmm_out(out, w, gather(c, rows, head));
    }
  }
  // The chunk's rows of `into` += a^T x, with a [count, b, slots * b] and x [count, b, m].
  void add_transposed(const QueryChunk& c, torch::Tensor into, const torch::Tensor& a,
                      const torch::Tensor& x, int64_t head) const {
    if (band()) {
      band_transposed_head(c.keys(into), a, x, width);
    } else {
      auto part = torch::bmm(a.transpose(1, 2), x);  // [count, K * b, m]
      into.view({-1, block, into.size(1)})
          .index_add_(0, index(c, head), part.view({c.count * width, block, x.size(2)}));
    }
  }
};

// Softmax attention over a block part (band or table) and optional global keys, with no dropout
// and no weights returned: the path every training step and benchmark of `local`, `truncated`,
// `longformer` and `bigbird` takes. One (example, head) and one chunk of query blocks at a time:
// scores, softmax over both parts together and the weighted sums in tensors of one chunk's size
// that the allocator recycles, and only each query's log-sum-exp is kept; the backward pass
// recomputes the weights from it. Memory is O(n * d) plus one chunk's scores, and time grows
// linearly with n (no tensor grows with n * window, so none is mapped afresh at every call).
//
// Inputs, per example and head (i = example * heads + head): queries q [B, h, nq * b, d]
// (scaled), key and value rows as BlockKeys reads them, `masked` [B, Ht, nq, b, slots * b] (true:
// the pair is not allowed), global keys and values gk, gv [B, h, G, d] and `global_masked` [B, G]
// (G = 0 when there is no global key). (Autograd functions take no undefined tensors: an absent
// input is an empty one.)
class FusedBlockAttention : public torch::autograd::Function<FusedBlockAttention> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& gk, const torch::Tensor& gv,
                               const torch::Tensor& masked, const torch::Tensor& global_masked,
                               const torch::Tensor& table, int64_t block, int64_t width,
                               int64_t chunk) {
    const double inf = std::numeric_limits<double>::infinity();
    const int64_t heads = q.size(1), dim = q.size(3);
    const bool globals = gk.size(2) > 0;
    auto qc = to_blocks(q, block), kc = to_rows(k), vc = to_rows(v);
    auto gkc = to_rows(gk), gvc = to_rows(gv);
    const BlockKeys keys{table, block, width};
    auto out = torch::empty_like(qc);
    auto lse = torch::empty({qc.size(0), qc.size(1), block, 1}, q.options());
    const auto chunks = query_chunks(qc.size(1), block, width, chunk);  // the same for every head
    for (int64_t i = 0; i < qc.size(0); ++i) {
      const int64_t example = i / heads, head = i % heads;
      auto mask = masked[example][head % masked.size(1)];
      for (const auto& c : chunks) {
        auto qi = c.queries(qc[i]);
        auto w = keys.scores(c, qi, kc[i], head);
        w.masked_fill_(c.queries(mask), -inf);
        auto row_max = std::get<0>(w.max(-1, /*keepdim=*/true));
        torch::Tensor wg;  // [count, b, G]
        if (globals) {
          wg = torch::matmul(qi, gkc[i].t()).masked_fill_(global_masked[example], -inf);
          row_max = torch::maximum(row_max, std::get<0>(wg.max(-1, /*keepdim=*/true)));
        }
        row_max.masked_fill_(row_max == -inf, 0.0);
        w.sub_(row_max).exp_();
        auto row_sum = w.sum(-1, /*keepdim=*/true);
        if (globals)
          row_sum.add_(wg.sub_(row_max).exp_().sum(-1, /*keepdim=*/true));
        // A query with no allowed key: weights 0 now, and lse = +inf makes exp(s - lse) 0 later.
        auto empty = row_sum == 0;
        c.queries(lse[i]).copy_((row_max + row_sum.log()).masked_fill_(empty, inf));
        row_sum.masked_fill_(empty, 1.0);
        w.div_(row_sum);
        auto oi = c.queries(out[i]);
        keys.values(c, oi, w, vc[i], head);
        if (globals)
          oi.view({-1, dim}).addmm_(wg.div_(row_sum).view({-1, wg.size(2)}), gvc[i]);
      }
    }
    ctx->save_for_backward({qc, kc, vc, gkc, gvc, masked, global_masked, table, lse, out});
    ctx->saved_data["block"] = block;
    ctx->saved_data["width"] = width;
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["k_shape"] = k.sizes().vec();
    return out.view({q.size(0), heads, q.size(2), dim});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const double inf = std::numeric_limits<double>::infinity();
    auto saved = ctx->get_saved_variables();
    const auto &qc = saved[0], &kc = saved[1], &vc = saved[2], &gkc = saved[3], &gvc = saved[4];
    const auto &masked = saved[5], &global_masked = saved[6], &table = saved[7];
    const auto &lse = saved[8], &out = saved[9];
    const int64_t block = ctx->saved_data["block"].toInt();
    const int64_t width = ctx->saved_data["width"].toInt();
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    const int64_t heads = ctx->saved_data["heads"].toInt(), dim = qc.size(3);
    const bool globals = gkc.size(1) > 0;
    const BlockKeys keys{table, block, width};
    auto g = grads[0].contiguous().view_as(out);
    // Softmax backward: ds = w * (dw - sum_keys(w * dw)), and sum_keys(w * dw) = g . out.
    auto dot = (g * out).sum(-1, /*keepdim=*/true);
    auto dq = torch::empty_like(qc), dk = torch::zeros_like(kc), dv = torch::zeros_like(vc);
    auto dgk = globals ? torch::zeros_like(gkc) : torch::Tensor();
    auto dgv = globals ? torch::zeros_like(gvc) : torch::Tensor();
    const auto chunks = query_chunks(qc.size(1), block, width, chunk);  // the same for every head
    for (int64_t i = 0; i < qc.size(0); ++i) {
      const int64_t example = i / heads, head = i % heads;
      auto mask = masked[example][head % masked.size(1)];
      for (const auto& c : chunks) {
        auto qi = c.queries(qc[i]), gi = c.queries(g[i]), li = c.queries(lse[i]);
        auto doti = c.queries(dot[i]);
        auto w = keys.scores(c, qi, kc[i], head);
        w.masked_fill_(c.queries(mask), -inf).sub_(li).exp_();
        keys.add_transposed(c, dv[i], w, gi, head);
        auto ds = keys.scores(c, gi, vc[i], head).sub_(doti).mul_(w);
        auto dqi = c.queries(dq[i]);
        keys.values(c, dqi, ds, kc[i], head);
        keys.add_transposed(c, dk[i], ds, qi, head);
        if (globals) {
          auto wg = torch::matmul(qi, gkc[i].t())
                        .masked_fill_(global_masked[example], -inf)
                        .sub_(li)
                        .exp_()
                        .view({-1, gkc.size(1)});
          dgv[i].addmm_(wg.t(), gi.reshape({-1, dim}));
          auto dsg =
              torch::mm(gi.reshape({-1, dim}), gvc[i].t()).sub_(doti.reshape({-1, 1})).mul_(wg);
          dqi.view({-1, dim}).addmm_(dsg, gkc[i]);
          dgk[i].addmm_(dsg.t(), qi.reshape({-1, dim}));
        }
      }
    }
    const auto k_shape = ctx->saved_data["k_shape"].toIntVector();
    const auto global_grad = [&](const torch::Tensor& x) {
      return x.defined() ? x.view({k_shape[0], k_shape[1], -1, dim}) : x;
    };
    return {dq.view({k_shape[0], k_shape[1], -1, dim}),
            dk.view(k_shape),
            dv.view(k_shape),
            global_grad(dgk),
            global_grad(dgv),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor()};
  }
};

// Strided part: with n = c * s positions laid out as a [c, s] grid (i = a * s + r), the keys of
// query i with (i - j) mod s == 0 are exactly its column r. Transposing the grid makes each column
// a contiguous group, so the strided part is a dense attention inside each of the s groups:
// [B, h, c * s, d] -> [B, h, s, c, d].
torch::Tensor to_stride_groups(const torch::Tensor& x, int64_t stride) {
  const int64_t c = x.size(2) / stride;
  return x.reshape({x.size(0), x.size(1), c, stride, x.size(3)}).transpose(2, 3);
}

torch::Tensor from_stride_groups(const torch::Tensor& x) {  // [B, h, s, c, m] -> [B, h, c*s, m]
  return x.transpose(2, 3).reshape({x.size(0), x.size(1), x.size(2) * x.size(3), x.size(4)});
}

// Softmax over the union of several key sets ("parts"), without concatenating them: part i has
// scores [B, h, n, m_i] and a mask broadcastable to them. It is normalize_scores' softmax
// (masked keys get weight 0, a query with no allowed key gets all zeros), written as one autograd
// function that keeps a single tensor per part for the backward pass -- the weights, which the
// product with the values keeps anyway -- instead of the several score-sized intermediates of
// masked_fill + softmax + masked_fill. Memory and time of the sparse kernel are dominated by
// score-sized tensors, so this matters.
class JointMaskedSoftmax : public torch::autograd::Function<JointMaskedSoftmax> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                torch::TensorList scores,
                                                std::vector<torch::Tensor> allowed) {
    const double minus_inf = -std::numeric_limits<double>::infinity();
    std::vector<torch::Tensor> weights;
    torch::Tensor row_max;
    for (size_t i = 0; i < scores.size(); ++i) {
      weights.push_back(torch::where(allowed[i], scores[i], minus_inf));
      auto part_max = std::get<0>(weights.back().max(-1, /*keepdim=*/true));
      row_max = row_max.defined() ? torch::maximum(row_max, part_max) : part_max;
    }
    // A row with no allowed key has max -inf: shift it by 0 instead, so that its exps are
    // exp(-inf) = 0 and its sum 0, which is then divided by 1: zeros, never NaN.
    row_max.masked_fill_(row_max == minus_inf, 0.0);
    torch::Tensor row_sum;
    for (auto& w : weights) {
      w.sub_(row_max).exp_();
      auto part_sum = w.sum(-1, /*keepdim=*/true);
      row_sum = row_sum.defined() ? row_sum + part_sum : part_sum;
    }
    row_sum.masked_fill_(row_sum == 0, 1.0);
    for (auto& w : weights)
      w.div_(row_sum);
    ctx->save_for_backward(weights);
    return weights;
  }

  // With w = softmax(s) over all parts: ds_i = w_i * g_i - w_i * sum_parts sum_keys (g * w),
  // built in place in one new tensor per part.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto weights = ctx->get_saved_variables();
    torch::autograd::variable_list result;
    torch::Tensor dot;
    for (size_t i = 0; i < weights.size(); ++i) {
      result.push_back(grads[i] * weights[i]);
      auto part = result.back().sum(-1, /*keepdim=*/true);
      dot = dot.defined() ? dot + part : part;
    }
    for (size_t i = 0; i < weights.size(); ++i)
      result[i].addcmul_(weights[i], dot, -1.0);
    result.emplace_back();  // no gradient for the masks
    return result;
  }
};

// normalize_scores over the union of the parts: softmax as above; ReLU as relu(s) / L with L the
// number of allowed keys over all parts.
std::vector<torch::Tensor> normalize_parts(const std::vector<torch::Tensor>& scores,
                                           const std::vector<torch::Tensor>& allowed,
                                           Normalization normalization) {
  if (normalization == Normalization::kSoftmax)
    // (As a TensorList the scores are autograd inputs; a std::vector would be a constant.)
    return JointMaskedSoftmax::apply(torch::TensorList(scores), allowed);
  torch::Tensor count;
  for (size_t i = 0; i < scores.size(); ++i) {
    auto part = allowed[i].expand_as(scores[i]).sum(-1, /*keepdim=*/true);
    count = count.defined() ? count + part : part;
  }
  count = count.clamp_min(1).to(scores[0].scalar_type());
  std::vector<torch::Tensor> weights;
  for (size_t i = 0; i < scores.size(); ++i) {
    weights.push_back(torch::relu(scores[i]).masked_fill(~allowed[i], 0.0) / count);
  }
  return weights;
}

torch::Tensor is_global_mask(const SparsePattern& p, const torch::Tensor& global_mask,
                             int64_t batch) {
  auto is_global = p.globals.defined() ? p.globals.view({1, p.length}).expand({batch, p.length})
                                       : torch::zeros({batch, p.length}, torch::kBool);
  return global_mask.defined() ? is_global | global_mask : is_global.contiguous();
}

torch::Tensor pad_positions(const torch::Tensor& x, int64_t length) {  // along dim 2
  if (x.size(2) == length)
    return x;
  return torch::constant_pad_nd(x, {0, 0, 0, length - x.size(2)}, 0);
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

  // The common case of long sequences in one fused autograd function (see FusedBlockAttention).
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
                   ? FusedBlockAttention::apply(queries, shifted(k), shifted(v), gk, gv, masked,
                                                global_masked, torch::empty({0}, torch::kLong), b,
                                                band.width, in.chunk_queries)
                   : FusedBlockAttention::apply(
                         queries, k.narrow(2, 0, padded), v.narrow(2, 0, padded), gk, gv, masked,
                         global_masked, p.key_blocks, b, p.key_blocks.size(2), in.chunk_queries);
    return {with_global_rows(out.narrow(2, 0, n)), {}};
  }

  // Each part scores every query against its own keys: scores [B, h, padded, m] with a mask
  // broadcastable to it, and (only for need_weights) the key position of each score.
  std::vector<torch::Tensor> scores, allowed, key_positions;
  torch::Tensor block_values;
  if (band.ok) {
    block_values = shifted(v);
    const int64_t width = band.width * b;
    scores.push_back(BandScores::apply(queries, shifted(k), b, band.width));
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
    accumulate(BandValues::apply(next_weights(), block_values, b, band.width));
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
