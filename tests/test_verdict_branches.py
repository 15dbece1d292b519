"""Every branch of every verdict rule, with data that lands there (docs/theory.md 4.4, 5.1).

Each rule is exercised twice: through its public function on constructed estimates (the data land
in the branch because of their numbers, not because a test names the branch), and at the edges of
its inequalities, where a rule written with <= instead of < (or one that calls a straddling case
`equivalent`) gives another answer. A change of any branch's rule fails a test here.
"""
import math

import pytest

from numerics.network import compare as cmp
from numerics.network import effect as eff
from paper_checks import protocol

STAR = (0.0, math.sqrt(0.75))                 # theta* of the Gaussian example (docs/theory.md 6)


# -- the equivalence test ------------------------------------------------------------------------

@pytest.mark.parametrize("chi, var, margin, verdict, lower_positive", [
    ((0.0, 0.866), 1e-6, 1e-3, "equivalent", False),       # d in [0, 2e-6]
    ((0.2, 0.9), 1e-6, 1e-3, "different", True),            # d in [6.3e-3, 6.6e-3]
    ((0.07, 0.866), 1e-4, 1e-3, "undetermined", True),      # d in [3.5e-4, 1.5e-3]: finite, straddling
    ((0.04, 0.866), 4e-4, 1e-3, "undetermined", False),     # theta* inside the region: d in [0, 1.5e-3]
])
def test_equivalence_outcomes_on_constructed_estimates(chi, var, margin, verdict, lower_positive):
    r = eff.equivalence("continuous", chi, [[var, 0.0], [0.0, var]], STAR, margin=margin)
    assert r["verdict"] == verdict, r
    assert math.isfinite(r["upper"]) and (r["lower"] > 0) == lower_positive
    if verdict == "undetermined":
        assert r["lower"] < margin < r["upper"]                # the bounds straddle the margin, both finite
    # the same bounds at another margin move the verdict exactly as the rule says
    assert eff.equivalence("continuous", chi, [[var, 0.0], [0.0, var]], STAR,
                           margin=r["upper"] * 1.01)["verdict"] == "equivalent"
    if r["lower"] > 0:
        assert eff.equivalence("continuous", chi, [[var, 0.0], [0.0, var]], STAR,
                               margin=r["lower"] * 0.99)["verdict"] == "different"


def test_equivalence_is_undetermined_when_the_region_leaves_the_family():
    """A region reaching |K| >= a_1 has no d on all of it: bounds [0, inf], undetermined whatever the margin."""
    r = eff.equivalence("continuous", (0.5, 0.6), [[0.01, 0.0], [0.0, 0.01]], STAR, margin=10.0)
    assert r["verdict"] == "undetermined" and r["lower"] == 0 and r["upper"] == math.inf
    assert "leaves the family" in r["reason"]


@pytest.mark.parametrize("lower, upper, verdict", [
    (0.0, 0.5e-3, "equivalent"),
    (0.0, 1e-3, "undetermined"),          # upper == margin: not below it
    (0.5e-3, 2e-3, "undetermined"),       # finite bounds straddling the margin
    (1e-3, 2e-3, "undetermined"),         # lower == margin: not above it
    (1.5e-3, 2e-3, "different"),
    (0.0, math.inf, "undetermined"),
])
def test_verdict_rule_at_the_edges(lower, upper, verdict):
    assert eff._verdict(lower, upper, 1e-3)[0] == verdict


def test_effect_without_chi_hat_is_undetermined():
    out = eff.effect("continuous", None, None, {"theta_star": STAR})
    assert out["equivalence"]["verdict"] == "undetermined" and out["kl_per_site"]["theta_star"] is None


# -- the z verdict (numerics.network.compare) ----------------------------------------------------------

@pytest.mark.parametrize("chi, se, ref, kwargs, verdict", [
    ((0.01, 0.87), (0.004, 0.003), (0.0, 0.866), {}, "agree"),              # max|z| = 2.5, resolved
    ((0.05, 0.87), (0.004, 0.003), (0.0, 0.866), {}, "disagree"),           # max|z| = 12.5
    ((0.016, 0.866), (0.004, 0.003), (0.0, 0.866), {}, "inconclusive"),     # max|z| = 4
    ((0.01, 0.87), (0.004, 0.3), (0.0, 0.866), {}, "inconclusive"),         # s.e. 0.3 > 5% of 0.866
    ((3 / 64, 0.866), (1 / 64, 0.003), (0.0, 0.866), {}, "inconclusive"),   # max|z| = 3 exactly: not below 3
    ((5 / 64, 0.866), (1 / 64, 0.003), (0.0, 0.866), {}, "inconclusive"),   # max|z| = 5 exactly: not above 5
    ((5.01 / 64, 0.866), (1 / 64, 0.003), (0.0, 0.866), {}, "disagree"),    # just above 5
    ((0.0, 1.0), (0.05, 0.05), (0.0, 1.0), {}, "agree"),                    # s.e. = 5% of max|ref|: resolved
    ((0.0, 1.0), (0.0501, 0.05), (0.0, 1.0), {}, "inconclusive"),           # just above 5%
    ((0.005,), (0.003,), (0.0,), {}, "inconclusive"),                        # Ising theta* = 0 has no scale ...
    ((0.005,), (0.003,), (0.0,), {"scale": 0.8}, "agree"),                   # ... the data's |K| gives one
    ((0.02,), (0.0,), (0.0,), {}, "disagree"),                               # a zero s.e. and a difference
])
def test_z_verdict_branches(chi, se, ref, kwargs, verdict):
    assert cmp.compare(chi, se, ref, **kwargs)["verdict"] == verdict


def test_z_verdict_without_chi_hat_is_inconclusive():
    r = cmp.compare(None, None, (0.0, 0.866))
    assert r["verdict"] == "inconclusive" and r["z"] is None


# -- the protocol's answer -----------------------------------------------------------------------------

def _points(runs):
    return [{"example": "e", "objective": "o", "agreement": "emergent", "init": "random", "seed": i, "gap": g,
             "gap_kind": "optimum", "d": None, "lower": None, "upper": None, "verdict": v}
            for i, (g, v) in enumerate(runs)]


E, D, U = "equivalent", "different", "undetermined"


@pytest.mark.parametrize("runs, answer", [
    ([(1e-4, E), (2e-4, E), (3e-4, E), (0.1, D), (0.2, D), (0.3, D)], "reaches theta*"),   # best third decides
    ([(1e-4, D), (2e-4, D), (3e-4, D), (0.1, E), (0.2, E), (0.3, E)], "misses theta*"),
    ([(1e-4, E), (2e-4, D), (3e-4, E), (0.1, E), (0.2, E), (0.3, E)], "undetermined"),      # mixed best third
    ([(1e-4, E), (2e-4, U), (3e-4, E), (0.1, E)], "undetermined"),
    ([(1e-4, E), (2e-4, E), (3e-4, E), (4e-4, E), (5e-4, E), (6e-4, E), (7e-4, E), (8e-4, E), (9e-4, E),
      (0.1, D), (0.2, D), (0.3, D)], "reaches theta*"),                                      # best third of 12: 4
    ([(1e-4, E), (2e-4, E), (3e-4, E), (4e-4, D), (5e-4, E), (6e-4, E), (7e-4, E), (8e-4, E), (9e-4, E),
      (0.1, E), (0.2, E), (0.3, E)], "undetermined"),                                        # the 4th best counts
    ([(1e-4, E), (2e-4, E)], "reaches theta*"),                                              # fewer than 3: all
    ([(None, D), (1e-4, E), (2e-4, E), (3e-4, E)], "reaches theta*"),                        # no gap: not ranked
])
def test_protocol_answer_branches(runs, answer):
    assert protocol.summarize(_points(runs))[0]["answer"] == answer
