"""The fully connected network f_W: R^N -> R^M whose output is the feature layer (docs/theory.md 4.1).

    f_W(x) = W_(L+1) s( ... s(W_1 x + b_1) ... ) + b_(L+1),   s = identity, tanh or GELU

L hidden layers (widths configurable; default N / b^l, l = 1..L, with b = (N/M)^(1/L), so the
last hidden layer has the M sites of L RG steps), then a linear output layer: the features
y = f_W(x), read as an M-site ring, unit j at site j.

>>> import torch
>>> net = FCDNN(64, 16, hidden=(32, 16), activation="tanh")
>>> net(torch.zeros(5, 64)).shape
torch.Size([5, 16])
>>> [m.out_features for m in net.linears]
[32, 16, 16]
"""
from __future__ import annotations

import torch
from torch import nn

from numerics.network.config import ACTIVATION_NAMES
from proofs.errors import MalformedInput

ACTIVATIONS = dict(zip(ACTIVATION_NAMES, (nn.Identity, nn.Tanh, nn.GELU)))


class FCDNN(nn.Module):
    """N -> hidden widths -> M, activation between layers, linear feature (output) layer."""

    def __init__(self, N, M, hidden, activation="linear"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise MalformedInput("activation", activation, f"choose one of {', '.join(ACTIVATIONS)}")
        widths = (N, *hidden, M)
        self.linears = nn.ModuleList(nn.Linear(i, o) for i, o in zip(widths[:-1], widths[1:]))
        self.act = ACTIVATIONS[activation]()

    def forward(self, x):
        for lin in self.linears[:-1]:
            x = self.act(lin(x))
        return self.linears[-1](x)

    def init_rg_map(self, kind, b, noise, generator):
        """Set the layers near an RG map of block size b per layer, plus N(0, noise^2) on every weight and bias.

        kind 'decimation': layer l keeps every b-th unit (W_l[i, b i] = 1), so a linear net computes D x;
        kind 'block':      layer l sums b consecutive units / sqrt(b) (block-spin, variance-preserving for
                           uncorrelated units; docs/theory.md 3.3).
        The output layer starts at the identity. Needs the pyramid widths N / b^l (then width_L = M).

        >>> import torch
        >>> net = FCDNN(8, 2, hidden=(4, 2))
        >>> net.init_rg_map("decimation", 2, 0.0, torch.Generator().manual_seed(0))
        >>> net(torch.arange(8.0)[None]).tolist()
        [[0.0, 4.0]]
        """
        if kind not in ("decimation", "block"):
            raise MalformedInput("init", kind, "choose random, decimation or block")
        with torch.no_grad():
            for lin in self.linears:
                o, i = lin.weight.shape
                if i == o:
                    W = torch.eye(o)
                elif i == o * b:
                    W = torch.zeros(o, i)
                    for r in range(o):
                        if kind == "decimation":
                            W[r, b * r] = 1.0
                        else:
                            W[r, b * r:b * (r + 1)] = b ** -0.5
                else:
                    raise MalformedInput("hidden", f"{i} -> {o}", f"init {kind!r} needs widths that shrink by b = {b} "
                                         "per layer (the default pyramid N / b^l)")
                lin.weight.copy_(W + noise * torch.randn(o, i, generator=generator))
                lin.bias.copy_(noise * torch.randn(o, generator=generator))

    def effective_linear_map(self):
        """(W, c) with f(x) = W x + c, for a linear network (activation 'linear')."""
        if not isinstance(self.act, nn.Identity):
            raise MalformedInput("activation", type(self.act).__name__, "effective map only for linear networks")
        W, c = None, None
        for lin in self.linears:
            W = lin.weight if W is None else lin.weight @ W
            c = lin.bias if c is None else lin.weight @ c + lin.bias
        return W.detach(), c.detach()
