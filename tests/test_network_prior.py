"""The regress-theta prior redraws inadmissible points, and only those, a bounded number of times."""
import pytest
import torch

from numerics.network import sampler as sampler_module
from numerics.network import targets
from numerics.network.config import TrainConfig
from proofs.errors import InadmissibleParameter

# a_2 = 0: half the box has a_2 < 0; a small ring keeps the grid samplers cheap
EDGE = TrainConfig(K="0.4", a=("0.5", "0"), objective="regress-theta", N=8, M=4, layers=1)
WELL = EDGE.replace(a=("0.5", "0.1"))                  # every draw of its box is admissible


def test_points_outside_the_family_are_redrawn():
    """On the edge a_2 = 0 the box draws a_2 of both signs; only admissible ones (a_2 > 0) are kept."""
    calls = []
    real = sampler_module.GridRingSampler

    def counting(K, a, N, h, dtype):
        calls.append(a)
        return real(K, a, N, h, dtype)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sampler_module, "GridRingSampler", counting)
        prior = targets.build_prior(EDGE, torch.float64)
    assert len(prior.thetas) == targets.PRIOR_POINTS and all(float(t[2]) > 0 for t in prior.thetas)
    assert all(a[1] > 0 for a in calls)          # the inadmissible draws (a_2 <= 0) never reached a sampler


def test_gives_up_after_the_stated_number_of_draws(monkeypatch):
    calls = []

    def refuse(K, a, N, h, dtype):
        calls.append(1)
        raise InadmissibleParameter("a", tuple(a), "does not confine")

    monkeypatch.setattr(sampler_module, "GridRingSampler", refuse)
    with pytest.raises(InadmissibleParameter, match=r"prior_width.*1000 draws.*gave 0 admissible chains"):
        targets.build_prior(WELL, torch.float64)
    assert len(calls) == targets.PRIOR_MAX_DRAWS


def test_other_errors_are_not_swallowed(monkeypatch):
    def broken(K, a, N, h, dtype):
        raise RuntimeError("a bug in the sampler")

    monkeypatch.setattr(sampler_module, "GridRingSampler", broken)
    with pytest.raises(RuntimeError, match="a bug in the sampler"):
        targets.build_prior(WELL, torch.float64)
