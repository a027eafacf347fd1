# The additive (Bahdanau) ScoreFunction, with the same three methods as dot_score.py.

def scaled(self, q: Tensor) -> Tensor:
    return q

def kernel_score(self, q: Tensor, k: Tensor) -> Tensor:
    hidden = torch.tanh(torch.linear(q, self.score_w_query_weight, self.score_w_query_bias).unsqueeze(-2)
                        + torch.linear(k, self.score_w_key_weight).unsqueeze(-3))
    return torch.matmul(hidden, self.score_v)

def score(self, q: Tensor, k: Tensor) -> Tensor:
    return self.kernel_score(q, k)
