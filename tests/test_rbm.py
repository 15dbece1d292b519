"""The rbm objective's machine (numerics/network/rbm.py) against independent routes (docs/theory.md 4.2).

- log Z: the factorized sums over one layer against brute-force enumeration of every (v, h)
  (spins) and against a 2-d trapezoid quadrature over v (Gaussian visible units);
- exact gradients (hand-written backward) against central finite differences of a brute-force
  negative log-likelihood written separately in numpy;
- CD-k / PCD: the chain estimate of the model term <dF/dtheta> against the exact one, by
  z-scores over independent chains; a chain that has not mixed is rejected by the same test.
"""
import itertools
import math

import numpy as np
import pytest
import torch

from numerics.network.rbm import RBM, _SpinLogSum, all_spins


def _machine(N, M, visible="spin", scale=0.7, seed=0):
    torch.manual_seed(seed)
    r = RBM(N, M, visible).double()
    with torch.no_grad():
        r.W.normal_(0, scale)
        r.b.normal_(0, 0.3)
        r.c.normal_(0, 0.3)
        if visible == "gaussian":
            r.log_sigma.normal_(0, 0.2)
    return r


def _brute_nll(W, b, c, data):
    """Mean -log p(v) by summing exp(v.W.h + b.v + c.h) over every (v, h) (numpy, no factorization)."""
    N, M = W.shape
    V = np.array(list(itertools.product((-1.0, 1.0), repeat=N)))
    H = np.array(list(itertools.product((-1.0, 1.0), repeat=M)))
    logw = V @ W @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
    log_z = np.logaddexp.reduce(logw.ravel())
    ld = data @ W @ H.T + (data @ b)[:, None] + (H @ c)[None, :]
    return float(np.mean(log_z - np.logaddexp.reduce(ld, axis=1)))


@pytest.mark.parametrize("N,M", [(5, 4), (3, 6)])
def test_spin_log_partition_three_routes(N, M):
    r = _machine(N, M)
    W, b, c = (p.detach().numpy() for p in (r.W, r.b, r.c))
    V = np.array(list(itertools.product((-1.0, 1.0), repeat=N)))
    H = np.array(list(itertools.product((-1.0, 1.0), repeat=M)))
    brute = np.logaddexp.reduce((V @ W @ H.T + (V @ b)[:, None] + (H @ c)[None, :]).ravel())
    assert r.enumerated_layer() == ("hidden" if M <= N else "visible")
    with torch.no_grad():
        assert abs(float(r.log_partition()) - brute) < 1e-12
        assert abs(float(torch.logsumexp(-r.free_energy(all_spins(N)), 0)) - brute) < 1e-12
        assert abs(float(torch.logsumexp(-r.hidden_free_energy(all_spins(M)), 0)) - brute) < 1e-12


@pytest.mark.parametrize("N,M", [(5, 3), (3, 5)])
def test_exact_gradient_matches_finite_differences_of_the_brute_force_likelihood(N, M):
    r = _machine(N, M, seed=1)
    data = torch.from_numpy(np.random.default_rng(2).choice([-1.0, 1.0], size=(16, N)))
    loss = r.nll(data).mean()
    loss.backward()
    W, b, c = (p.detach().numpy().copy() for p in (r.W, r.b, r.c))
    assert abs(float(loss.detach()) - _brute_nll(W, b, c, data.numpy())) < 1e-12
    h = 1e-6
    for p, grad in ((W, r.W.grad), (b, r.b.grad), (c, r.c.grad)):
        fd = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = _brute_nll(W, b, c, data.numpy())
            p[idx] = old - h
            down = _brute_nll(W, b, c, data.numpy())
            p[idx] = old
            fd[idx] = (up - down) / (2 * h)
        assert np.abs(fd - grad.numpy()).max() < 1e-7 * max(1.0, np.abs(fd).max())


def test_hand_written_backward_passes_gradcheck():
    torch.manual_seed(3)
    A = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    d = torch.randn(4, dtype=torch.float64, requires_grad=True)
    e = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda A, d, e: _SpinLogSum.apply(A, d, e, all_spins(3)), (A, d, e))


def test_gaussian_visible_log_partition_against_quadrature():
    r = _machine(2, 3, "gaussian", scale=0.5, seed=4)
    x = torch.arange(-12, 12.0001, 0.02, dtype=torch.float64)
    V = torch.cartesian_prod(x, x)
    with torch.no_grad():
        lw = -r.free_energy(V)                                   # log sum_h exp(-E(v, h)) on the grid
        quad = float(torch.logsumexp(lw, 0)) + 2 * math.log(0.02)   # trapezoid; tails are < e^-40
        assert abs(float(r.log_partition()) - quad) < 1e-10
    data = torch.randn(8, 2, dtype=torch.float64)
    loss = r.nll(data).mean()
    loss.backward()
    p, g = r.log_sigma, r.log_sigma.grad[0].item()
    with torch.no_grad():
        p[0] += 1e-6
        up = float(r.nll(data).mean())
        p[0] -= 2e-6
        down = float(r.nll(data).mean())
        p[0] += 1e-6
    assert abs((up - down) / 2e-6 - g) < 1e-6


def _chain_term(r, v0, k, g):
    """Per-chain d F(v_k) / d theta after k Gibbs steps from v0 (rows: chains; columns: flattened theta)."""
    vis = "spin" if r.visible == "spin" else "gaussian"
    uh = torch.rand(k, len(v0), r.M, generator=g, dtype=torch.float64)
    nv = (torch.rand if vis == "spin" else torch.randn)(k, len(v0), r.N, generator=g, dtype=torch.float64)
    vk = r.gibbs(v0, uh, nv)
    params = list(r.parameters())
    rows = []
    for i in range(0, len(vk), 500):                    # per-row gradients, vectorized over rows
        F = r.free_energy(vk[i:i + 500])
        gs = torch.autograd.grad(F, params, grad_outputs=torch.eye(len(F), dtype=F.dtype), is_grads_batched=True)
        rows.append(torch.cat([gr.flatten(1) for gr in gs], 1).numpy())
    return np.concatenate(rows)


@pytest.mark.parametrize("visible", ["spin", "gaussian"])
def test_cd_gradient_agrees_with_the_exact_gradient_when_chains_mix(visible):
    """-<dF/dtheta> over mixed chains = d log Z / d theta (exact); an unmixed chain is rejected.

    |z| < 4.5 over the N M + N + M = 27 gradient components (each a mean of 3000 chains: normal): false
    failure at most 27 x 6.8e-6 = 1.8e-4 per run (Bonferroni); seed fixed."""
    N, M, S = 6, 3, 3000
    r = _machine(N, M, visible, scale=0.5, seed=5)
    r.zero_grad()
    r.log_partition().backward()
    exact = torch.cat([p.grad.flatten() for p in r.parameters()]).numpy().copy()
    g = torch.Generator().manual_seed(6)
    start = (torch.where(torch.rand(S, N, generator=g, dtype=torch.float64) < 0.5, 1.0, -1.0).double()
             if visible == "spin"
             else torch.randn(S, N, generator=g, dtype=torch.float64))
    rows = -_chain_term(r, start, 30, g)
    z = (rows.mean(0) - exact) / (rows.std(0, ddof=1) / math.sqrt(S))
    assert np.abs(z).max() < 4.5
    # negative control: one Gibbs step from a fixed corner has not mixed, and the test sees it
    corner = torch.full((S, N), 1.0 if visible == "spin" else 3.0, dtype=torch.float64)
    bad = -_chain_term(r, corner, 1, g)
    assert np.abs((bad.mean(0) - exact) / (bad.std(0, ddof=1) / math.sqrt(S))).max() > 4.5


def test_gaussian_visible_log_partition_regrouped_matches_the_free_energy_route():
    """log Z of Gaussian visible units is summed as f.h + h^T W^T W h / 2 (M x M work per state); its value and
    gradients equal those of logsumexp(-F(h)) summed term by term (hidden_free_energy), in float64."""
    torch.manual_seed(3)
    r = RBM(12, 6, visible="gaussian").double()
    with torch.no_grad():
        r.b.normal_()
        r.c.normal_()
        r.log_sigma.normal_(0, 0.2)
        r.W.normal_(0, 0.4)
    z = r.log_partition()
    grads = torch.autograd.grad(z, [r.W, r.b, r.c, r.log_sigma])
    ref = torch.logsumexp(-r.hidden_free_energy(all_spins(6)), 0)
    ref_grads = torch.autograd.grad(ref, [r.W, r.b, r.c, r.log_sigma])
    assert abs(float((z - ref).detach())) < 1e-12
    for g, h in zip(grads, ref_grads):
        assert torch.allclose(g, h, rtol=1e-10, atol=1e-12)
