# The bidirectional LSTM baseline (models/baselines/bilstm_mixer), as its C++ forward computes it:
# the backward direction runs over each sequence reversed within its length.

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
