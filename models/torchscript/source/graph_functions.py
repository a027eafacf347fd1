# Shared by every exported graph model: the softmax over each node's incoming edges, the
# weighted sum of the sources' values, and ELU, written as in models/attention/edge_softmax.cpp.

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
