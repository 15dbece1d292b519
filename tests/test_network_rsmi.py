"""rsmi: exact Gaussian block MI against independent routes, training against the exact MI, config, audit.

Independent routes for the exact MI (numerics/network/block_mi.py works from the ring
covariance C, Schur complements and a generalized eigenproblem):
- the precision matrix Q of the ring (2a on the diagonal, -K beside it): by the Markov property
  Cov(V | E) is the inverse of Q restricted to block + buffers, and C = Q^-1;
- a hand-solvable case: one site against its neighbours, I = (1/2) log(2 a C(0));
- Monte-Carlo: least-squares regression of H on E over exact ring samples.
"""
import math

import numpy as np
import pytest
import torch

from proofs.errors import MalformedInput
from numerics.network import block_mi
from numerics.network.config import TrainConfig
from numerics.network.sampler import GaussianRingSampler, gaussian_ring_covariance

K, A = 0.5, 1.0


def _row(N, K=K, a=A):
    return [gaussian_ring_covariance(K, a, N, r) for r in range(N)]


def _precision(N, K=K, a=A):
    Q = 2 * a * np.eye(N)
    for i in range(N):
        Q[i, (i + 1) % N] = Q[(i + 1) % N, i] = -K
    return Q


def _mi_from_precision(N, w, b, buffer, window, K=K, a=A):
    """I(w.V; E) with C = Q^-1 and Cov(V|E) = [(Q_SS)^-1]_VV, S = buffer + block + buffer (Markov)."""
    Q = _precision(N, K, a)
    C = np.linalg.inv(Q)
    seg = [(i - buffer) % N for i in range(b + 2 * buffer)]
    cond = np.linalg.inv(Q[np.ix_(seg, seg)])[buffer:buffer + b, buffer:buffer + b]
    V = list(range(b))
    w = np.asarray(w, float)
    return 0.5 * math.log(w @ C[np.ix_(V, V)] @ w / (w @ cond @ w))


@pytest.mark.parametrize("N,b,buffer,window", [(16, 2, 0, 1), (16, 2, 0, 3), (24, 3, 1, 2), (32, 4, 2, 1), (12, 1, 0, 1)])
def test_block_mi_equals_the_precision_matrix_route(N, b, buffer, window):
    rng = np.random.default_rng(N + b + buffer + window)
    for _ in range(3):
        w = rng.normal(size=b)
        assert block_mi.linear_block_mi(_row(N), w, b, buffer, window) == pytest.approx(
            _mi_from_precision(N, w, b, buffer, window), rel=1e-10, abs=1e-14)


def test_one_site_against_its_neighbours_by_hand():
    # Var(x_0 | rest) = 1 / Q_00 = 1/(2a), and only the neighbours matter: I = (1/2) log(2 a C_N(0))
    for Kv, a in ((0.5, 1.0), (-0.3, 0.7), (0.9, 1.0)):
        row = _row(20, Kv, a)
        for window in (1, 4):
            assert block_mi.linear_block_mi(row, [1.0], 1, 0, window) == pytest.approx(
                0.5 * math.log(2 * a * row[0]), rel=1e-12)


def test_block_mi_against_monte_carlo_regression():
    """I from a least-squares regression of H on E over exact samples, |z| < 4.5; a one-sided E is rejected."""
    N, b, buffer, window = 16, 2, 0, 2
    w = np.array([0.8, -0.3])
    x = GaussianRingSampler(K, A, N).sample(1 << 16, torch.Generator().manual_seed(3)).numpy()
    V = np.array([block_mi.block_sites(N, b, j) for j in range(N // b)])
    E = np.array([block_mi.environment_sites(N, b, buffer, window, j) for j in range(N // b)])
    H = x[:, V] @ w                                                   # (S, blocks)
    Ev = x[:, E]                                                      # (S, blocks, 2W)
    groups = []
    for Hg, Eg in zip(np.array_split(H, 16), np.array_split(Ev, 16)):
        h, e = Hg.ravel(), Eg.reshape(-1, 2 * window)
        coef, *_ = np.linalg.lstsq(e, h, rcond=None)
        groups.append(0.5 * math.log(h.var() / (h - e @ coef).var()))
    mc, se = np.mean(groups), np.std(groups, ddof=1) / 4
    exact = block_mi.linear_block_mi(_row(N), w, b, buffer, window)
    assert abs(mc - exact) / se < 4.5, (mc, se, exact)
    # the same data reject a wrong formula: environment on the right side only
    C = block_mi.circulant(_row(N))
    Vs, Es = [0, 1], [2, 3]
    cond = C[np.ix_(Vs, Vs)] - C[np.ix_(Vs, Es)] @ np.linalg.solve(C[np.ix_(Es, Es)], C[np.ix_(Es, Vs)])
    wrong = 0.5 * math.log(w @ C[np.ix_(Vs, Vs)] @ w / (w @ cond @ w))
    assert abs(mc - wrong) / se > 10


def test_max_block_mi_is_the_maximum():
    row = _row(32)
    for b, buffer, window in ((2, 0, 2), (4, 1, 2), (3, 0, 1)):
        best, w = block_mi.max_linear_block_mi(row, b, buffer, window)
        assert block_mi.linear_block_mi(row, w, b, buffer, window) == pytest.approx(best, rel=1e-12)
        rng = np.random.default_rng(b)
        assert all(block_mi.linear_block_mi(row, rng.normal(size=b), b, buffer, window) <= best + 1e-14
                   for _ in range(200))
    # b = 2: a scan over the direction angle reaches the same maximum
    scan = max(block_mi.linear_block_mi(row, [math.cos(t), math.sin(t)], 2, 0, 2)
               for t in np.linspace(0, math.pi, 2001))
    assert scan == pytest.approx(block_mi.max_linear_block_mi(row, 2, 0, 2)[0], rel=1e-5)


def test_coarse_covariance_of_block_sums_by_hand():
    row = _row(32)
    got = block_mi.coarse_covariance(row, [1.0, 1.0], 2)
    C = lambda r: row[r % 32]  # noqa: E731
    assert got == pytest.approx([C(2 * k - 1) + 2 * C(2 * k) + C(2 * k + 1) for k in range(16)], rel=1e-13)


@pytest.mark.parametrize("field,value", [("rsmi_buffer", -1), ("rsmi_window", 0), ("rsmi_critic", 0),
                                         ("rsmi_hidden", -1), ("rsmi_window", True), ("rsmi_buffer", 1.5),
                                         ("rsmi_window", 16), ("hidden", (32, 16)), ("N", 48)])
def test_rsmi_config_rejects_bad_fields_by_name(field, value):
    with pytest.raises(MalformedInput) as exc:
        TrainConfig(K="0.5", a=("1",), objective="rsmi", **{field: value})
    assert field in str(exc.value)


def test_cli_rejects_a_window_that_does_not_fit(capsys):
    from rgdnn.cli import main
    assert main(["train", "--K", "0.5", "--a", "1", "--objective", "rsmi", "--rsmi-window", "20"]) == 2
    err = capsys.readouterr().err
    assert "malformed rsmi_window" in err and "Traceback" not in err


def test_audit_rsmi_imposes_nothing_through_the_loss():
    from numerics.network.audit import audit
    g = audit(TrainConfig(K="0.5", a=("1",), objective="rsmi"))
    assert len(g["imposed"]) == 1 and "readout convention only" in g["imposed"][0]
    assert [e.split(",")[0] for e in g["emergent"]] == ["K"]
    q = audit(TrainConfig(K="0.4", a=("0.5", "0.1"), objective="rsmi"))
    assert "kurtosis" in q["emergent"][1]
