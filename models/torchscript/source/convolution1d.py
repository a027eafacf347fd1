# The 1-D convolution baseline (models/baselines/convolution_mixer), as its C++ forward computes it.

def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    h = x * mask.unsqueeze(-1).to(x.dtype)
    return torch.conv1d(h.transpose(1, 2), self.weight, self.bias, [1], [self.kernel_half]).transpose(1, 2)
