# What every exported attention layer has: heads split and merged, the normalization of
# attention_kernel.h (softmax or ReLU over the allowed keys; zeros for a query without one).

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
