# The 2-D convolution baseline over an image's patch grid (tokens before `grid_offset` are not
# cells: they get the kernel's centre tap), as its C++ forward computes it.

def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    h = x * mask.unsqueeze(-1).to(x.dtype)
    b = x.size(0)
    d = x.size(2)
    cells = x.size(1) - self.grid_offset
    grid = h[:, self.grid_offset:].reshape(b, cells // self.grid_width, self.grid_width, d).permute(0, 3, 1, 2)
    out = torch.conv2d(grid, self.weight, self.bias, [1, 1], [self.kernel_half, self.kernel_half])
    out = out.permute(0, 2, 3, 1).reshape(b, cells, d)
    if self.grid_offset > 0:
        centre = self.weight[:, :, self.kernel_half, self.kernel_half]
        out = torch.cat([torch.linear(h[:, :self.grid_offset], centre, self.bias), out], 1)
    return out
