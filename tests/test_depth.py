"""Depth runs (docs/theory.md 4.5): exact routes against independent computations, references against closed
forms, and every outcome of the verdict rules on data that lands there.

Independent routes used here:
- linear rsmi on the infinite Gaussian chain (``block_mi.infinite_greedy``, recursion on (Var, F, G)) against
  the ring computation of ``block_mi`` (dense circulant covariances, Gaussian conditioning) on a large ring;
- Gaussian block sums (``gaussian_block_u``, closed form) against direct covariance algebra (double sums of
  C(r)) and against the grid chain's generating-operator doubling (``ChainBlocks``);
- block moments of a quartic chain (``ChainBlocks``) against the high-precision transfer-operator targets of
  ``numerics.blockspin`` (mpmath, another code path);
- Ising block maps (``ising_block_maps``, 2 x 2 transfer matrices) against brute-force enumeration of fine
  spin configurations with the Markov product law;
- Ising decimation references against (tanh K)^(b^L).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from numerics.klrate import chain_stats
from numerics.network import block_mi
from numerics.network import ising_block_maps as ibm
from numerics.network.chain_blocks import ChainBlocks
from numerics.network.depth import document, run_depth
from numerics.network.depth_config import DepthConfig, FeatureLaw
from numerics.network.depth_references import fixed_points, gaussian_block_u, references
from numerics.network.depth_verdict import FIXED_POINT_VERDICTS, contraction, rate_verdict
from numerics.network.sampler import gaussian_ring_covariance
from proofs.errors import MalformedInput, NotSupported

GAUSS = dict(K="0.5", a=("1",))
SINGLE = dict(K="0.4", a=("0.5", "0.1"))
DOUBLE = dict(K="0.5", a=("-1", "0.25"))
ISING = dict(K="0.8", ising=True)
DEC, BLK, ELSE, UND = FIXED_POINT_VERDICTS


# -- exact linear rsmi on Gaussian chains ---------------------------------------------------------

@pytest.mark.parametrize("b, buffer, window, n, layers, tol", [(2, 0, 2, 1024, 5, 1e-9), (2, 1, 3, 1024, 4, 1e-6),
                                                              (3, 0, 2, 729, 4, 1e-9)])
def test_infinite_greedy_equals_the_ring_computation(b, buffer, window, n, layers, tol):
    """u_L and the maximal information per layer. With buffer 1 the layer-4 eigenproblem is nearly
    degenerate (the information gap between the best filter and the next is ~1e-10 nats), so the filter,
    and u_4 with it, is fixed only to ~1e-7 by either computation; the information itself to 1e-12."""
    u, rho = 2 - 3 ** 0.5, 3 ** 0.5 / 2
    exact = block_mi.infinite_greedy(u, rho, layers, b, buffer, window)
    row = [gaussian_ring_covariance(0.5, 1.0, n, r) for r in range(n)]
    maxima, ws = block_mi.greedy_max_block_mi(row, layers, b, buffer, window)
    for L, (m, w, e) in enumerate(zip(maxima, ws, exact), 1):
        row = block_mi.coarse_covariance(row, w, b)
        assert abs(row[1] / row[0] - e["u"]) < tol, L           # the ring's u^(n/b^L) terms are below this
        assert abs(m - e["mi"]) < 1e-12, L


def test_the_issue_numbers_of_the_gaussian_example():
    rows = block_mi.infinite_greedy(2 - 3 ** 0.5, 3 ** 0.5 / 2, 6, 2, 0, 2)
    assert [round(r["u"], 3) for r in rows] == [0.17, -0.088, -0.049, -0.026, -0.013, -0.007]
    assert round(rows[0]["mi"], 4) == 0.0468


@settings(max_examples=25, deadline=None)
@given(K=st.floats(-0.95, 0.95), a=st.floats(1.0, 3.0), b=st.sampled_from([2, 3]), buffer=st.integers(0, 1),
       window=st.integers(1, 3))
@example(K=0.5, a=1.0, b=2, buffer=0, window=2)
@example(K=-0.9, a=1.0, b=2, buffer=0, window=1)
def test_exact_rsmi_u_shrinks_with_depth(K, a, b, buffer, window):
    """On the exact route |u_L| decreases with L (the data's u_0 included) on random Gaussian chains."""
    rho = math.sqrt(a * a - K * K)
    u0 = K / (a + rho)
    us = [abs(u0)] + [abs(r["u"]) for r in block_mi.infinite_greedy(u0, rho, 10, b, buffer, window)]
    assert all(x < y or y == 0 for x, y in zip(us[1:], us)), us


# -- references against closed forms and independent routes ---------------------------------------

def _block_u_direct(u, n):
    C = lambda r: u ** abs(r)                                  # noqa: E731 -- times 1/(2 rho) on both sides
    cov = sum(C(n + j - i) for i in range(n) for j in range(n))
    var = sum(C(j - i) for i in range(n) for j in range(n))
    return cov / var


@settings(max_examples=40, deadline=None)
@given(u=st.floats(-0.95, 0.95), n=st.integers(1, 40))
@example(u=0.0, n=3)
def test_gaussian_block_u_is_the_covariance_algebra(u, n):
    assert abs(gaussian_block_u(u, n) - _block_u_direct(u, n)) < 1e-12


@settings(max_examples=10, deadline=None)
@given(K=st.floats(-0.9, 0.9), a=st.floats(1.0, 2.0), b=st.sampled_from([2, 3]))
def test_gaussian_references_are_the_closed_forms_and_the_grid_agrees(K, a, b):
    from proofs.family import Chain
    chain = Chain.gaussian(str(round(K, 6)), str(round(a, 6)))
    Kf, af = float(chain.K), float(chain.a[0])
    rho = math.sqrt(af * af - Kf * Kf)
    u = Kf / (af + rho)
    refs = references(chain, b, 4)
    cb = ChainBlocks((Kf, af))                         # the general route, on the grid chain
    for L in range(1, 5):
        n = b ** L
        assert refs["decimation"][L - 1].u == pytest.approx(u ** n, rel=1e-12, abs=1e-300)
        assert refs["block"][L - 1].u == pytest.approx(_block_u_direct(u, n), rel=1e-10, abs=1e-14)
        t = cb.block_targets(n)
        assert abs(t[0] / t[1] - refs["block"][L - 1].u) < 1e-10
        assert abs(cb.decimation_targets(n)[0] * 2 * rho - u ** n) < 1e-10
    fp = fixed_points(chain, b)
    assert fp["decimation"].theta == fp["block"].theta == (0.0, pytest.approx(rho, rel=1e-15))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_block_moments_of_a_quartic_chain_match_the_transfer_operator(n):
    """ChainBlocks (float64 grid, doubling in the eigenbasis) against numerics.blockspin.targets (mpmath)."""
    from numerics import blockspin
    from numerics.transfer import Params
    from proofs.family import Chain
    t_hp, _ = blockspin.targets(Params.from_chain(Chain.polynomial("0.4", ["0.5", "0.1"])), n, 20)
    t = ChainBlocks((0.4, 0.5, 0.1)).block_targets(n)
    assert np.allclose([float(v) for v in t_hp], t, rtol=1e-9, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(K=st.floats(-2.0, 2.0), b=st.sampled_from([2, 3]))
@example(K=0.8, b=2)
def test_ising_decimation_by_transfer_matrices_is_tanh_to_the_b_to_the_L(K, b):
    t = math.tanh(K)
    got = ibm.iterate(t, b, ibm.blocks(b)[:, 0], 6)
    for L, g in enumerate(got, 1):
        assert g == pytest.approx(t ** (b ** L), rel=1e-12, abs=1e-300)


@settings(max_examples=15, deadline=None)
@given(K=st.floats(-3.0, 3.0).filter(lambda k: abs(k) > 1e-3), buffer=st.integers(0, 1), window=st.integers(1, 3))
@example(K=0.8, buffer=0, window=2)
def test_exact_binary_rsmi_u_shrinks_and_ising_references_are_closed_forms(K, buffer, window):
    from proofs.family import Chain
    rows = ibm.greedy_binary_rsmi(K, 6, 2, buffer, window)
    ts = [abs(math.tanh(K))] + [abs(r["t"]) for r in rows if r["identified"]]
    assert all(x < y or y == 0 for x, y in zip(ts[1:], ts)), ts
    chain = Chain.ising(str(round(K, 6)))
    t = math.tanh(float(chain.K))
    refs = references(chain, 2, 5)
    via_matrices = ibm.iterate(t, 2, ibm.blocks(2)[:, 0], 5)
    for L in range(1, 6):
        assert refs["decimation"][L - 1].u == pytest.approx(t ** (2 ** L), rel=1e-12, abs=1e-300)
        assert refs["decimation"][L - 1].u == pytest.approx(via_matrices[L - 1], rel=1e-12, abs=1e-300)


def _chain_prob(spins, t):
    p = 0.5
    for s, s2 in zip(spins, spins[1:]):
        p *= (1 + t * s * s2) / 2
    return p


def _brute_coarse_law(t, b, table, units):
    """p(h_1..h_units) of the block map ``table`` applied once, by enumerating the fine spins."""
    V = [tuple(v) for v in ibm.blocks(b)]
    law = {}
    for s in itertools.product((1, -1), repeat=b * units):
        h = tuple(int(table[V.index(s[k * b:(k + 1) * b])]) for k in range(units))
        law[h] = law.get(h, 0.0) + _chain_prob(s, t)
    return law


def _brute_mi(law, b, buffer, window, tables):
    """I(f(V); E) for every table from a law of 2W + 2B + b consecutive symbols."""
    V = [tuple(v) for v in ibm.blocks(b)]
    out = []
    for tab in tables:
        joint = {}
        for cfg, p in law.items():
            v = cfg[window + buffer: window + buffer + b]
            e = cfg[:window] + cfg[window + 2 * buffer + b:]
            key = (int(tab[V.index(v)]), e)
            joint[key] = joint.get(key, 0.0) + p
        ph, pe = {}, {}
        for (h, e), p in joint.items():
            ph[h] = ph.get(h, 0.0) + p
            pe[e] = pe.get(e, 0.0) + p
        out.append(sum(p * math.log(p / (ph[h] * pe[e])) for (h, e), p in joint.items() if p > 0))
    return np.array(out)


@pytest.mark.parametrize("K, b, buffer, window", [(0.7, 2, 1, 2), (0.1, 2, 0, 2), (1.5, 3, 0, 1), (-0.6, 2, 0, 1)])
def test_block_information_equals_brute_force_enumeration(K, b, buffer, window):
    t = math.tanh(K)
    n = 2 * window + 2 * buffer + b
    law = {s: _chain_prob(s, t) for s in itertools.product((1, -1), repeat=n)}
    tables = ibm.all_tables(b)
    mine = ibm.information(ibm.joint(ibm.Coarse.fine(t), b, buffer, window), tables)
    assert np.max(np.abs(mine - _brute_mi(law, b, buffer, window, tables))) < 1e-13


@pytest.mark.parametrize("table1", ["xor", "and"])
def test_second_layer_information_and_coarse_chain_equal_brute_force(table1):
    """Layer 2 after a non-decimating layer-1 map (the coarse chain is a hidden Markov chain)."""
    t, b = math.tanh(0.9), 2
    V = ibm.blocks(2)
    tab1 = V[:, 0] * V[:, 1] if table1 == "xor" else np.where((V == 1).all(1), 1, -1)
    law = _brute_coarse_law(t, b, tab1, 6)                     # 2 W + b = 6 coarse units, 12 fine spins
    C = ibm.coarse(ibm.Coarse.fine(t), b, tab1)
    tables = ibm.all_tables(b)
    mine = ibm.information(ibm.joint(C, b, 0, 2), tables)
    assert np.max(np.abs(mine - _brute_mi(law, b, 0, 2, tables))) < 1e-13
    pair = _brute_coarse_law(t, b, tab1, 2)
    assert abs(C.correlation() - sum(p * h[0] * h[1] for h, p in pair.items())) < 1e-14
    assert abs(C.mean() - sum(p * h[0] for h, p in pair.items())) < 1e-14


def test_majority_rule_reference_equals_brute_force():
    t, b = math.tanh(0.8), 3
    law = _brute_coarse_law(t, b, ibm.majority_table(3), 2)
    want = sum(p * h[0] * h[1] for h, p in law.items())
    assert ibm.iterate(t, b, ibm.majority_table(3), 1)[0] == pytest.approx(want, abs=1e-14)
    from proofs.family import Chain
    assert references(Chain.ising("0.8"), 2, 2)["block"][0].u == pytest.approx(want, abs=1e-14)


@pytest.mark.parametrize("K", [0.1, 0.7, 1.5])
@pytest.mark.parametrize("buffer", [0, 1])
def test_binary_rsmi_on_ising_is_decimation(K, buffer):
    """Every Boolean map of a 2-site block: keeping one spin maximizes the block information (Lenggenhager
    et al. 2020), at every layer where the information is above the floating-point range."""
    rows = ibm.greedy_binary_rsmi(K, 8, 2, buffer, 2)
    for r in rows:
        assert r["decimation"], r
        if r["identified"]:
            assert r["n_tied"] == 4 and r["runner_up"] < r["mi"] * (1 - 1e-6)
    assert rows[0]["identified"]


# -- the command's exact routes on the standard examples ----------------------------------------------

@pytest.mark.parametrize("example, objective, scheme, fixed", [
    (GAUSS, "rsmi", "block-spin", BLK),
    (GAUSS, "decimate", "decimation", DEC),
    (GAUSS, "infomax", "neither", DEC),
    (ISING, "rsmi", "decimation", DEC),
    (ISING, "decimate", "decimation", DEC),
    (SINGLE, "decimate", "decimation", DEC),
    (DOUBLE, "infomax", "neither", DEC),
])
def test_exact_route_verdicts(example, objective, scheme, fixed):
    doc = run_depth(DepthConfig(objective=objective, layers=8, **example))
    assert (doc["scheme"], doc["fixed_point"]) == (scheme, fixed), doc["scheme_evidence"]["reason"]


def test_exact_route_refuses_what_it_cannot_compute():
    for chain, objective in ((SINGLE, "rsmi"), (GAUSS, "autoencoder"), (ISING, "rbm"), (GAUSS, "regress-theta")):
        with pytest.raises(NotSupported):
            run_depth(DepthConfig(objective=objective, layers=2, **chain))
    with pytest.raises(NotSupported, match="b <= 3"):
        run_depth(DepthConfig(objective="rsmi", layers=2, b=4, **ISING))


def test_config_refuses_bad_fields():
    for bad in (dict(layers=17), dict(b=1), dict(buffer=-1), dict(window=0), dict(seeds=()), dict(seeds=(1, 1)),
                dict(margin=0.0), dict(margin="x"), dict(route="x"), dict(objective="x")):
        with pytest.raises(MalformedInput):
            DepthConfig(**(GAUSS | bad))


# -- every outcome of the rules, on data that lands there --------------------------------------------

def _laws_from(thetas, cov=None, seed=None):
    return [FeatureLaw(L, tuple(th), cov, seed=seed) for L, th in enumerate(thetas, 1)]


def _doc(example, laws, objective="rsmi", layers=None, **kw):
    cfg = DepthConfig(objective=objective, layers=layers or max(w.L for w in laws), route="trained",
                      seeds=tuple(sorted({w.seed for w in laws if w.seed is not None})) or (0,), **example, **kw)
    return document(cfg, laws)


def test_flows_to_the_block_spin_fixed_point_where_the_fixed_points_differ():
    """Laws equal to the block-spin references of the single well end at its (Gaussian) fixed point."""
    from proofs.family import Chain
    refs = references(Chain.polynomial("0.4", ["0.5", "0.1"]), 2, 16)["block"]
    doc = _doc(SINGLE, _laws_from([r.theta for r in refs]))
    assert not doc["fixed_points_coincide"]
    assert (doc["scheme"], doc["fixed_point"]) == ("block-spin", BLK)


def test_flows_elsewhere_when_it_settles_away_from_both_fixed_points():
    """Decoupling with kurtosis 2.84 (between a*'s 2.479 and a Gaussian's 3) on the single well."""
    from numerics.network.grid_chain import single_site_fit
    m2 = chain_stats((0.4, 0.5, 0.1)).m[0]
    a = single_site_fit([m2, 2.84 * m2 * m2])
    thetas = [(0.2 / 2 ** L, *a) for L in range(1, 9)] + [(0.0, *a)] * 2
    doc = _doc(SINGLE, _laws_from(thetas))
    assert doc["fixed_point"] == ELSE, doc["fixed_point_evidence"]["reason"]
    assert doc["scheme"] == "neither"


def test_undetermined_when_the_flow_is_still_moving_or_unresolved():
    doc = run_depth(DepthConfig(objective="rsmi", layers=2, **GAUSS))          # exact, 2 layers: still moving
    assert doc["fixed_point"] == UND and doc["scheme"] == "block-spin"
    big = [[1e-2, 0.0], [0.0, 1e-2]]                                           # nothing resolved
    u0 = 2 - 3 ** 0.5
    rho = 3 ** 0.5 / 2
    thetas = [(2 * rho * u / (1 - u * u), rho * (1 + u * u) / (1 - u * u)) for u in (0.12, 0.06, 0.03)]
    doc = _doc(GAUSS, _laws_from(thetas, big, seed=0))
    assert (doc["scheme"], doc["fixed_point"]) == ("undetermined", UND), doc["scheme_evidence"]["reason"]
    assert u0 > 0


def test_seeds_that_disagree_make_the_run_undetermined():
    from proofs.family import Chain
    refs = references(Chain.gaussian("0.5", "1"), 2, 4)
    laws = ([FeatureLaw(r.L, r.theta, [[1e-12, 0], [0, 1e-12]], seed=0) for r in refs["decimation"]]
            + [FeatureLaw(r.L, r.theta, [[1e-12, 0], [0, 1e-12]], seed=1) for r in refs["block"]])
    doc = _doc(GAUSS, laws)
    assert [p["scheme"] for p in doc["per_seed"]] == ["decimation", "block-spin"]
    assert doc["scheme"] == "undetermined"


def test_sign_counts_for_decimate_only():
    """The exact rsmi flow has u_2 < 0 where block sums have u_2 > 0: compared by |u| for rsmi, signed for
    decimate (there the same laws are `different` from B^2)."""
    doc = run_depth(DepthConfig(objective="rsmi", layers=3, **GAUSS))
    assert doc["layers"][1]["u"] < 0 < doc["references"]["block"][1]["u"]
    assert doc["layers"][1]["kl"]["block"]["verdict"] == "equivalent"
    laws = [FeatureLaw(r["L"], (r["theta"]["K"], *r["theta"]["a"])) for r in doc["layers"]]
    signed = _doc(GAUSS, laws, objective="decimate")
    assert signed["layers"][1]["kl"]["block"]["verdict"] == "different"


@pytest.mark.parametrize("us, ses, want", [
    ([0.27, 0.17, 0.085, 0.042, 0.021], None, "block-spin"),
    ([0.27, 0.072, 0.0052, 2.7e-5, 7e-10], None, "decimation"),
    ([0.27, 0.26, 0.25, 0.24, 0.23], None, "neither"),
    ([0.27, 0.27 * 0.35, 0.27 * 0.35 ** 2], None, "neither"),               # between the two bands, exactly
    ([0.27, 0.1, 0.03], [None, 0.02, 0.01], "undetermined"),                # an interval across both bands
])
def test_rate_verdict_lands_on_each_outcome(us, ses, want):
    u = 2 - 3 ** 0.5
    refs = {"decimation": [u ** (2 ** L) for L in range(len(us))],
            "block": [u] + [gaussian_block_u(u, 2 ** L) for L in range(1, len(us))]}
    con = contraction(us, ses or [None] * len(us), list(range(len(us))), b=2, references=refs)
    assert rate_verdict(con)[0] == want, (con, rate_verdict(con))


def test_a_layer_is_distinguishable_only_when_both_directions_exceed_the_margin():
    """d(R || B) and d(B || R) differ (KL is not symmetric): with the margin between them the layer does not vote."""
    from numerics.klrate import kl_rate
    from numerics.network.depth_references import Reference
    from numerics.network.depth_verdict import distinguishable
    R, B = (0.3, 1.0), (0.1, 0.5)
    d_rb, d_br = kl_rate(R, B), kl_rate(B, R)
    assert abs(d_rb - d_br) > 0.2 * min(d_rb, d_br)
    refs = {"decimation": [Reference("decimation", 1, R, 0.0, 3.0)], "block": [Reference("block", 1, B, 0.0, 3.0)]}
    for margin, want in ((0.5 * (d_rb + d_br), False), (0.5 * min(d_rb, d_br), True), (2 * max(d_rb, d_br), False)):
        row = distinguishable(refs, kind="continuous", margin=margin, signed=True)[0]
        assert row["distinguishable"] is want, (margin, row)
        assert row["d_decimation_block"] == pytest.approx(d_rb, rel=1e-12)
        assert row["d_block_decimation"] == pytest.approx(d_br, rel=1e-12)


def test_exact_route_d_is_d_of_chi_from_the_reference():
    """On the exact route a row's d is d(chi || reference) (numerics.klrate.kl_rate), not the reverse."""
    from numerics.klrate import kl_rate
    from numerics.network.depth_compare import compare
    chi, ref = (0.3, 1.0), (0.1, 0.8)
    assert abs(kl_rate(chi, ref) - kl_rate(ref, chi)) > 1e-3
    for kind, c, r in (("continuous", chi, ref), ("ising", (0.8,), (0.2,))):
        got = compare(kind, c, None, r, 1e-3)
        assert got["d"] == pytest.approx(kl_rate(c, r, kind=kind), rel=1e-12)
        assert got["lower"] == got["upper"] == got["d"]


@pytest.mark.parametrize("theta, cov", [((0.5, 1.0), [[4e-4, 1e-4], [1e-4, 9e-4]]),
                                        ((-0.3, 0.7), [[1e-4, 0], [0, 4e-4]]), ((0.8,), [[1e-3]])])
def test_delta_method_se_of_u_uses_the_closed_form_gradient(theta, cov):
    """se(u) of a row against the delta method with the closed-form gradient of u = K / (a + rho) (Gaussian:
    du/dK = (a + rho + K^2/rho) / (a + rho)^2, du/da = -K / (rho (a + rho))) or of u = tanh K (Ising)."""
    from numerics.network.depth_compare import delta_method_se
    if len(theta) == 1:
        g = np.array([1 - math.tanh(theta[0]) ** 2])
    else:
        K, a = theta
        rho = math.sqrt(a * a - K * K)
        g = np.array([(a + rho + K * K / rho) / (a + rho) ** 2, -K / (rho * (a + rho))])
    se_u, se_shape = delta_method_se(theta, cov, "ising" if len(theta) == 1 else "continuous")
    assert se_u == pytest.approx(math.sqrt(g @ np.array(cov) @ g), rel=1e-6)
    assert se_shape == (None if len(theta) == 1 else 0.0)          # Gaussian chains: the shape is 3 throughout


def test_contraction_with_standard_errors():
    con = contraction([0.27, 0.17, 0.085, 0.04], [None, 0.01, 0.01, 0.03], [0, 1, 2, 3], b=2)
    assert con["layers"] == [0, 1, 2]                           # 0.04 < 2 x 0.03: not resolved
    assert con["beta_se"] > 0 and con["pairs"][0]["se"] > 0


def test_json_document_validates():
    jsonschema = pytest.importorskip("jsonschema")
    del jsonschema
    from rgdnn import schemas
    from rgdnn.commands._common import json_safe
    for chain, objective in ((GAUSS, "rsmi"), (ISING, "rsmi"), (SINGLE, "infomax")):
        doc = json_safe(run_depth(DepthConfig(objective=objective, layers=3, **chain)))
        errors = list(schemas.validator("depth").iter_errors(doc))
        assert not errors, errors[0].message[:300]


# -- the claims hold, and each can fail ---------------------------------------------------------------

from paper_checks.claims import depth as DC  # noqa: E402
from paper_checks.registry import Context  # noqa: E402

CLAIMS = [DC.check_depth_references, DC.check_depth_rsmi_gaussian, DC.check_depth_rsmi_ising,
          DC.check_depth_exact_verdicts]


@pytest.mark.parametrize("check", CLAIMS, ids=lambda c: c.claim.id)
def test_depth_claims_hold_and_are_exact(check):
    ev = check(Context())
    assert ev.passed, ev.summary
    assert not check.claim.slow and check.claim.expected == "holds"


def test_depth_claims_can_fail(monkeypatch):
    import numerics.network.depth_exact as DE
    import numerics.network.depth_references as DR
    import numerics.network.depth_verdict as DV
    import numerics.network.ising_block_maps as IBM
    with monkeypatch.context() as m:                       # a block-sum closed form off by 1e-6
        m.setattr(DR, "gaussian_block_u", lambda u, n: gaussian_block_u(u, n) * (1 + 1e-6))
        DR._references.cache_clear()
        assert not DC.check_depth_references(Context()).passed
    DR._references.cache_clear()
    with monkeypatch.context() as m:                       # rsmi replaced by decimation
        def decimating(u, rho, layers, b, buffer, window):
            return [{"L": L, "u": u ** (b ** L), "mi": 1.0, "w": [1.0, 0.0], "lag2": 0.0, "mi_gap": 1.0,
                     "identified": True} for L in range(1, layers + 1)]
        m.setattr(DE, "infinite_greedy", decimating)
        assert not DC.check_depth_rsmi_gaussian(Context()).passed
    with monkeypatch.context() as m:                       # the enumeration misses the decimation maps
        tables = IBM.all_tables
        m.setattr(IBM, "all_tables", lambda b: np.array([t for t in tables(b) if not IBM.is_decimation(t, b)]))
        assert not DC.check_depth_rsmi_ising(Context()).passed
    with monkeypatch.context() as m:                       # a rule that always votes block-spin
        m.setattr(DV, "layer_vote", lambda row: "block-spin")
        assert not DC.check_depth_exact_verdicts(Context()).passed
