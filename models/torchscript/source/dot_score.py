# The scaled dot-product ScoreFunction: `scaled(q)` and `kernel_score(q, k)` together give the
# scores of every query against every key, [..., n, d] x [..., m, d] -> [..., n, m]; 1 / sqrt(d)
# goes on the queries, as the blocked kernel does. `score` is the dense layers' form.

def scaled(self, q: Tensor) -> Tensor:
    return q * self.scale

def kernel_score(self, q: Tensor, k: Tensor) -> Tensor:
    return torch.matmul(q, k.transpose(-2, -1))

def score(self, q: Tensor, k: Tensor) -> Tensor:
    return torch.matmul(q * self.scale, k.transpose(-2, -1))
