"""Effect size and equivalence test: KL rate d(chi || theta_ref) over chi-hat's confidence region (docs/theory.md 4.4).

chi-hat with delta-method covariance Sigma has the joint confidence region (p = dim chi)

    E = { theta : (theta - chi)^T Sigma^-1 (theta - chi) <= q },   q = chi^2_p quantile at ``confidence``

and the effect size is d(theta || theta_ref) (``numerics.klrate``, nats per site). Its bounds over E:
d(. || theta_ref) is a Bregman divergence whose only critical point is its minimum theta = theta_ref
(gradient -F(theta) (eta_ref - eta), F positive definite), so on the compact E both extremes lie on
the boundary, except that the minimum is 0 when theta_ref is inside E. The boundary is searched on
a set of directions (whitened by Sigma) and refined by a local search on the sphere.

Verdict with a margin delta stated before the run (the default rule: delta = 0.01 d(theta || theta*), the
share of the RG's own distance left over, ``relative_margin``; ``MARGIN`` = 1e-3 nats per site is the
absolute margin used before that rule, ``--margin 1e-3``; ``resolve_margin`` turns either into delta):

- ``equivalent``   if upper < delta,
- ``different``    if lower > delta,
- ``undetermined`` otherwise (also when there is no chi-hat, or E leaves the family: then d is
  not defined on all of E, and the bounds are reported as [0, inf]).

More samples shrink E around the estimand, so once the estimand's d is clear of the margin the
verdict settles on the right side of it; the z-score of a fixed small difference instead grows
without bound.

>>> r = equivalence("continuous", (0.5, 1.0), [[1e-6, 0], [0, 1e-6]], (0.5, 1.0))
>>> r["verdict"], r["lower"], r["upper"] < 1e-5
('equivalent', 0.0, True)
>>> equivalence("ising", (0.8,), [[1e-4]], (0.0,))["verdict"]
'different'
"""
from __future__ import annotations

import math

import numpy as np

from numerics.klrate import chain_stats, check_theta, valid_theta
from numerics.network.config import MARGIN_FRACTION, RELATIVE, parse_margin
from proofs.errors import InadmissibleParameter, MalformedInput, NotSupported

MARGIN = 1e-3             # nats per site: the absolute margin used before the relative rule (``--margin 1e-3``)
# the default rule, delta = MARGIN_FRACTION d(theta || theta*), is spelled RELATIVE; parse_margin reads a margin as
# given (both in numerics.network.config, which the command line imports without numpy)
CONFIDENCE = 0.95
_REFINE_STEPS = (0.3, 0.1, 0.03, 0.01, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5)   # local search on the sphere:
# a direction error e moves d by ~e^2 (relative), so the extremes are found to ~1e-10


def relative_margin(kind, theta, theta_star, fraction=MARGIN_FRACTION):
    """delta = fraction * d(theta || theta*): the share of the RG's own distance left over (docs/theory.md 4.4).

    ``theta`` is the data chain, ``theta_star`` its decimation fixed point (Theorem R). With the default
    fraction 0.01, `equivalent` means the features went at least 99% of the way, in KL rate.

    >>> import math
    >>> round(relative_margin("continuous", (0.5, 1.0), (0.0, math.sqrt(3) / 2)), 7)    # Gaussian example
    0.0003725
    >>> round(relative_margin("ising", (0.8,), (0.0,)), 6)
    0.002405
    >>> relative_margin("continuous", (0.0, 1.0), (0.0, 1.0))
    Traceback (most recent call last):
    ...
    proofs.errors.MalformedInput: malformed margin 'relative': the data chain (0.0, 1.0) is its own fixed point \
(d(theta || theta*) = 0): give an absolute --margin in nats per site
    """
    from numerics.klrate import kl_rate
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise MalformedInput("margin fraction", repr(fraction), "must lie strictly between 0 and 1")
    d = kl_rate(tuple(theta), tuple(theta_star), kind=kind)
    if not d > 0:
        raise MalformedInput("margin", "relative", f"the data chain {tuple(theta)} is its own fixed point "
                             "(d(theta || theta*) = 0): give an absolute --margin in nats per site")
    return fraction * d


def resolve_margin(spec, kind, theta, theta_star):
    """(delta, rule) for a margin as configured: ``"relative"`` -> 0.01 d(theta || theta*), else the number.

    ``rule`` is what a result records: {"rule": "relative" | "absolute", "fraction": 0.01 | None,
    "d_theta_star": d(theta || theta*) | None}.

    >>> import math
    >>> delta, rule = resolve_margin("relative", "continuous", (0.5, 1.0), (0.0, math.sqrt(3) / 2))
    >>> round(delta, 7), rule["rule"], round(rule["d_theta_star"], 5)
    (0.0003725, 'relative', 0.03725)
    >>> resolve_margin(1e-3, "continuous", (0.5, 1.0), (0.0, 0.866))
    (0.001, {'rule': 'absolute', 'fraction': None, 'd_theta_star': None})
    """
    spec = parse_margin(spec)
    if spec == RELATIVE:
        delta = relative_margin(kind, theta, theta_star)
        return delta, {"rule": RELATIVE, "fraction": MARGIN_FRACTION, "d_theta_star": delta / MARGIN_FRACTION}
    return spec, {"rule": "absolute", "fraction": None, "d_theta_star": None}


def data_margin(config, theta_star, fraction=MARGIN_FRACTION):
    """The relative margin of a stored run: (delta, d(theta || theta*)) from its configuration and theta*.

    ``config``: a TrainConfig as a dict (``K``, ``a``, ``ising``; exact decimal strings); ``theta_star``:
    {"K": .., "a": [..]} or a sequence. None when the data chain is its own fixed point (K = 0).

    >>> delta, d = data_margin({"K": "0.5", "a": ["1"]}, {"K": 0.0, "a": [0.8660254037844386]})
    >>> round(delta, 7), round(d, 5)
    (0.0003725, 0.03725)
    """
    from proofs.family import exact_rational
    star = (theta_star["K"], *theta_star["a"]) if isinstance(theta_star, dict) else tuple(theta_star)
    K = float(exact_rational(config["K"]))
    ising = bool(config.get("ising"))
    theta = (K,) if ising else (K,) + tuple(float(exact_rational(v)) for v in config["a"])
    if K == 0:
        return None
    delta = relative_margin("ising" if ising else "continuous", theta, star, fraction)
    return delta, delta / fraction


def verdict_at(entry, margin):
    """The verdict of a stored equivalence entry re-judged at another margin (its bounds do not depend on it).

    ``entry``: one reference's dict with ``lower`` and ``upper`` (``upper`` None: unbounded, as JSON spells
    infinity); None or no bounds (no chi-hat): None.

    >>> verdict_at({"lower": 2e-4, "upper": 8e-4}, 1e-3), verdict_at({"lower": 2e-4, "upper": 8e-4}, 5e-4)
    ('equivalent', 'undetermined')
    >>> verdict_at({"lower": 2e-4, "upper": None}, 1e-4), verdict_at({"lower": None, "upper": None}, 1e-3)
    ('different', None)
    """
    if not entry or entry.get("lower") is None:
        return None
    upper = math.inf if entry.get("upper") is None else entry["upper"]
    return _verdict(entry["lower"], upper, margin)[0]


def chi2_quantile(p, confidence=CONFIDENCE):
    """q with P(chi^2_p <= q) = confidence (regularized lower incomplete gamma, mpmath).

    >>> round(chi2_quantile(1), 6), round(chi2_quantile(2), 6)      # 1.959964^2; -2 log 0.05
    (3.841459, 5.991465)
    """
    import mpmath
    if not 0 < confidence < 1 or not p >= 1:
        raise MalformedInput("confidence", repr(confidence), "need 0 < confidence < 1 and dimension p >= 1")
    lo, hi = 0.0, 10.0 + 10.0 * p                   # the CDF is increasing: bisection to float resolution
    with mpmath.workdps(30):
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            if mpmath.gammainc(mpmath.mpf(p) / 2, 0, mpmath.mpf(mid) / 2, regularized=True) < confidence:
                lo = mid
            else:
                hi = mid
    return hi


def _directions(p):
    """Unit vectors in R^p: the +- axes and a deterministic quasi-uniform set."""
    if p == 1:
        return np.array([[1.0], [-1.0]])
    if p == 2:
        t = np.linspace(0, 2 * np.pi, 72, endpoint=False)
        return np.stack([np.cos(t), np.sin(t)], axis=1)
    rng = np.random.default_rng(20260)               # fixed: the bounds are reproducible
    z = rng.standard_normal((12 * p, p))
    z = np.concatenate([np.eye(p), -np.eye(p), z])
    return z / np.linalg.norm(z, axis=1, keepdims=True)


class _Divergence:
    """d(theta || ref) with the reference's A computed once (nats per site)."""

    def __init__(self, kind, ref):
        self.kind, self.ref = kind, ref
        self._A = {}

    def __call__(self, theta):
        t, r = tuple(theta), self.ref
        if self.kind == "ising":
            s = chain_stats(t, kind="ising")
            return self._ref_A(r, 0) - s.A - s.C1 * (r[0] - t[0])
        n = max(len(t), len(r)) - 1
        t = t + (0.0,) * (n + 1 - len(t))
        r = r + (0.0,) * (n + 1 - len(r))
        s = chain_stats(t, n=n)
        return self._ref_A(r, n) - s.A - s.C1 * (r[0] - t[0]) + sum(m * (b - a) for m, a, b in zip(s.m, t[1:], r[1:]))

    def _ref_A(self, r, n):
        if n not in self._A:
            self._A[n] = chain_stats(r, kind=self.kind, n=n if self.kind != "ising" else None).A
        return self._A[n]


def _check_cov(cov, p):
    try:
        S = np.asarray(cov, dtype=float)
    except (TypeError, ValueError):
        raise MalformedInput("cov", repr(cov)[:60], "expected a p x p matrix of numbers") from None
    if S.shape != (p, p) or not np.all(np.isfinite(S)):
        raise MalformedInput("cov", f"shape {S.shape}", f"expected a finite {p} x {p} covariance matrix")
    S = 0.5 * (S + S.T)
    w, V = np.linalg.eigh(S)
    if w.min() < -1e-9 * max(w.max(), 1e-300):
        raise MalformedInput("cov", f"min eigenvalue {w.min():.3g}", "a covariance must be positive semidefinite")
    return np.clip(w, 0, None), V


def _check_margin(margin, confidence):
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin < math.inf:
        raise MalformedInput("margin", repr(margin), "the equivalence margin must be a positive number (nats per site)")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise MalformedInput("confidence", repr(confidence), "must lie strictly between 0 and 1")


def _verdict(lower, upper, margin):
    if upper < margin:
        return "equivalent", f"upper bound {upper:.3g} < margin {margin:g}"
    if lower > margin:
        return "different", f"lower bound {lower:.3g} > margin {margin:g}"
    return "undetermined", f"[{lower:.3g}, {upper:.3g}] contains the margin {margin:g}"


def equivalence(kind, chi, cov, ref, margin=MARGIN, confidence=CONFIDENCE):
    """{'margin', 'confidence', 'd_hat', 'lower', 'upper', 'verdict', ...}: d(chi || ref) bounded over the region."""
    _check_margin(margin, confidence)
    chi = check_theta(chi, kind, "chi")
    ref = check_theta(ref, kind, "reference")
    p = len(chi)
    w, V = _check_cov(cov, p)
    q = chi2_quantile(p, confidence)
    d = _Divergence(kind, ref)
    d_hat = float(d(chi))
    c = np.array(chi)
    out = {"margin": margin, "confidence": confidence, "d_hat": d_hat}
    # reference inside the region?  Mahalanobis distance in the eigenbasis of Sigma (zero-variance
    # directions, and components chi does not have: inside only if the reference matches exactly)
    r = np.zeros(max(p, len(ref)))
    r[: len(ref)] = ref
    pos = w > 0
    diff = V.T @ (r[:p] - c)
    if np.any(r[p:] != 0) or np.any(diff[~pos] != 0):
        maha2 = math.inf
    else:
        maha2 = float(np.sum(diff[pos] ** 2 / w[pos]))
    inside = maha2 <= q
    B = V * np.sqrt(q * w)                         # theta = chi + B z, |z| = 1: the boundary of E

    def on_boundary(z):
        return tuple(c + B @ z)

    problems = []

    def value(z):
        th = on_boundary(z)
        if not valid_theta(th, kind):
            problems.append("the confidence region leaves the family (some boundary points are not admissible): "
                            "d is not defined on all of it")
            return None
        try:
            return d(th)
        except NotSupported as exc:         # e.g. a boundary point too close to criticality for the grid
            problems.append(f"d not computable on the region's boundary: {exc}")
            return None

    def unbounded(n_eval):
        out.update(lower=0.0, upper=math.inf, reference_inside=bool(inside), mahalanobis2=maha2, chi2_quantile=q,
                   boundary_points=n_eval, verdict="undetermined", reason=problems[0])
        return out

    Z = _directions(p)
    vals = [value(z) for z in Z]
    if problems:
        return unbounded(len(Z))
    vals = np.array(vals)
    n_eval = len(Z)
    best = {}
    for sign in ((1,) if inside else (1, -1)):     # +1: maximize (upper), -1: minimize (lower)
        z = Z[np.argmax(sign * vals)].copy()
        f = float(np.max(sign * vals))
        for step in _REFINE_STEPS if p > 1 else ():
            improved = True
            while improved:
                improved = False
                for i in range(p):
                    for s in (step, -step):
                        cand = z.copy()
                        cand[i] += s
                        cand /= np.linalg.norm(cand)
                        v = value(cand)
                        n_eval += 1
                        if v is not None and sign * v > f:
                            z, f, improved = cand, sign * v, True
        best[sign] = sign * f
    if problems:
        return unbounded(n_eval)
    upper = float(max(best[1], d_hat))
    lower = 0.0 if inside else float(max(0.0, min(best[-1], d_hat)))     # d >= 0; rounding can dip below
    out.update(lower=lower, upper=upper, reference_inside=bool(inside), mahalanobis2=maha2, chi2_quantile=q,
               boundary_points=n_eval)
    out["verdict"], out["reason"] = _verdict(lower, upper, margin)
    return out


def effect(kind, chi, cov, references, margin=MARGIN, *, primary=None, confidence=CONFIDENCE):
    """KL rates and equivalence verdicts of chi-hat against every named reference (None entries pass through).

    kind: "continuous" (chi = (K, a_1..a_n)) or "ising" (chi = (K,), cov 1 x 1); references: {name: theta
    or None}; primary: the reference of the headline verdict (default: the first). Returns
    {"kl_per_site": {name: d_hat | None}, "equivalence": {"margin", "confidence", "reference", "verdict",
    "reason", name: {...bounds...} | None}}.
    """
    _check_margin(margin, confidence)
    if not references:
        raise MalformedInput("references", "{}", "give at least one reference theta")
    primary = next(iter(references)) if primary is None else primary
    if primary not in references or references[primary] is None:
        raise MalformedInput("primary", str(primary), f"must name a given reference ({', '.join(references)})")
    kl, eq = {}, {"margin": margin, "confidence": confidence, "reference": primary}
    for name, ref in references.items():
        if ref is None:
            kl[name], eq[name] = None, None
        elif chi is None:
            kl[name] = None
            eq[name] = {"margin": margin, "confidence": confidence, "d_hat": None, "lower": None, "upper": None,
                        "verdict": "undetermined", "reason": "no chi-hat: the outputs have no preimage in the family"}
        else:
            try:
                eq[name] = equivalence(kind, chi, cov, ref, margin, confidence)
            except (InadmissibleParameter, NotSupported) as exc:    # chi-hat outside the family, or too critical
                eq[name] = {"margin": margin, "confidence": confidence, "d_hat": None, "lower": None,
                            "upper": None, "verdict": "undetermined", "reason": str(exc)}
            kl[name] = eq[name]["d_hat"]
    eq["verdict"], eq["reason"] = eq[primary]["verdict"], eq[primary]["reason"]
    return {"kl_per_site": kl, "equivalence": eq}
