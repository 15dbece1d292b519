"""What `--certify` proves: enclosures of A, m_2k, C(r) and of the decimation fixed point (docs/theory.md 5.15).

- Gaussian and Ising chains: their closed forms (docs/theory.md 2) evaluated in Arb ball arithmetic.
- Every other chain: ``numerics.gram`` (the Gram matrix of the Taylor factors of the kernel,
  Temple and Davis-Kahan bounds); K = 0 reduces to certified integrals.
- The decimation fixed point (0; a*) of Theorem R: a* solves m_2k(0; a*) = m_2k(theta); the Krawczyk
  test of ``numerics.certify`` run with the *proved* targets encloses it (K = 0: a* = a exactly;
  Gaussian: a* = (sqrt(a_1^2 - K^2), 0, ..)).

Intervals are pairs of decimal strings rounded outward (``outward``): the lower end down, the upper
end up, a few digits below the width. A proof that does not close gives ``intervals = None`` and a
note with the reason; a proof that closes with fewer than dps - 5 digits says so in its note.

>>> from proofs.family import Chain
>>> p = moments(Chain.gaussian("1/2", 1), dps=20, lags=1)
>>> lo, hi = p.intervals["m"][0]          # m_2 = 1/(2 rho) = 1/sqrt(3)
>>> from fractions import Fraction
>>> Fraction(lo) < Fraction(1) / Fraction("1.7320508075688772935274463415058723669428") < Fraction(hi)
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from flint import arb

from numerics.arbtools import arb_precision, digits_to_bits, to_arb
from numerics.gram import Declined, enclose, widths_digits
from numerics.outward import _fraction, outward, outward_pair  # noqa: F401 -- re-exported
from numerics.sitemoments import trimmed
from proofs.errors import RGDNNError

__all__ = ["Proof", "fixed_point", "moments", "outward", "outward_pair", "WEAK_DIGITS"]

WEAK_DIGITS = 5            # a proof with fewer than dps - WEAK_DIGITS digits is reported as weak
EXTRA_DIGITS = (8, 30)     # the enclosure aims this far beyond dps (second try: wider balls were seen)


@dataclass(frozen=True)
class Proof:
    """Intervals (decimal strings rounded outward) that are theorems, or None; one sentence on what or why not."""

    intervals: dict | None
    note: str
    digits: float = 0.0                     # least number of proved digits over the intervals
    balls: dict = field(default_factory=dict)   # the Arb balls behind the intervals (same keys)


def _digits_note(digits, dps):
    shown = "all" if digits >= dps else f"{max(0, int(digits))}"
    weak = digits < dps - WEAK_DIGITS
    return shown, weak


# -- closed forms ------------------------------------------------------------------------------

def _gaussian_balls(chain, lags):
    """A, m_2k (k = 1..n), C(r) and rho of the Gaussian chain from its closed forms, in Arb balls."""
    a1, K = chain.a[0], chain.K
    rho = to_arb(a1 * a1 - K * K).sqrt()
    a = to_arb(a1)
    u = to_arb(K) / (a + rho)
    A = (2 * arb.pi() / (a + rho)).log() / 2
    m = [arb.fac_ui(2 * k) / (arb.fac_ui(k) * 2 ** k) / (2 * rho) ** k for k in range(1, chain.n + 1)]   # (2k-1)!!
    corr = [u ** r / (2 * rho) for r in range(1, lags + 1)]
    return A, m, corr, rho


def _ising_balls(chain, lags):
    K = to_arb(chain.K)
    return (2 * K.cosh()).log(), [], [K.tanh() ** r for r in range(1, lags + 1)]


# -- the commands ------------------------------------------------------------------------------

def _intervals(A, m, corr, dps):
    return {"A": outward(A, dps), "m": [outward(x, dps) for x in m], "corr": [outward(x, dps) for x in corr]}


def moments(chain, dps, lags, route="auto"):
    """The proof for `moments --certify`: A, m_2..m_2n, C(1..lags) of the infinite chain.

    ``route="gram"`` uses the Gram matrix for a Gaussian chain too (the checks compare it with the
    closed forms); "auto" proves Gaussian and Ising chains by their closed forms.
    """
    bits = digits_to_bits(dps + 20) + 32
    if chain.is_ising or (chain.is_gaussian and route == "auto"):
        with arb_precision(bits):
            if chain.is_ising:
                A, m, corr = _ising_balls(chain, lags)
                how = "A = log(2 cosh K), C(r) = tanh(K)^r"
            else:
                A, m, corr, _ = _gaussian_balls(chain, lags)
                how = "A = log(2 pi/(a + rho))/2, m_2k = (2k-1)!!/(2 rho)^k, C(r) = u^r/(2 rho)"
            digits = widths_digits([A, *m, *corr])
            return Proof(_intervals(A, m, corr, dps), f"proved by interval evaluation of the closed forms {how} "
                         "(docs/theory.md 2) in Arb ball arithmetic", digits, {"A": A, "m": m, "corr": corr})
    try:
        for extra in EXTRA_DIGITS:
            enc = enclose(chain.K, chain.a, kmax=chain.n, lags=lags, digits=dps + extra)
            digits = widths_digits([enc.A, *enc.m, *enc.corr])
            if digits >= dps + 2:
                break
    except (Declined, RGDNNError) as exc:          # the estimate stands; the proof says why it does not
        return Proof(None, f"not proved: {exc}")
    if not all(x.is_finite() for x in (enc.A, *enc.m, *enc.corr)):
        return Proof(None, "not proved: the balls lost all precision (a chain far outside the tested range)")
    shown, weak = _digits_note(digits, dps)
    how = ("K = 0: the kernel has rank one, moments by certified integration" if chain.K == 0 else
           f"Gram matrix of the Taylor factors of exp(K x y), {enc.details['R']} terms, Temple and Davis-Kahan bounds")
    note = (f"{'WEAK, only ' if weak else 'proved: '}{shown} digits of A, m_2k and C(r) of the infinite chain are "
            f"proved ({how}; docs/theory.md 5.15)" + (", a chain near the edge of the family" if weak else ""))
    return Proof(_intervals(enc.A, enc.m, enc.corr, dps), note, digits,
                 {"A": enc.A, "m": list(enc.m), "corr": list(enc.corr)})


def fixed_point(chain, a_estimate, error, scheme, dps):
    """The proof for `fixed-point --certify`: Theorem R's (0; a*), a* by the Krawczyk test on proved targets.

    ``a_estimate``/``error``: the computed fixed point's a and its error estimate (the box is centred there).
    """
    if scheme != "decimation":
        return Proof(None, "not proved: the proof covers the decimation fixed point (Theorem R's (0; a*)) only")
    bits = digits_to_bits(dps + 20) + 32
    zero = ["0", "0"]
    if chain.is_ising:
        return Proof({"K": zero, "a": []}, "proved: Ising decimation tanh K' = tanh(K)^b has K* = 0 exactly",
                     float("inf"))
    if chain.is_gaussian:
        with arb_precision(bits):
            rho = _gaussian_balls(chain, 0)[3]
            a = [outward(rho, dps)] + [zero] * (chain.n - 1)
            return Proof({"K": zero, "a": a}, "proved: (0; sqrt(a_1^2 - K^2)) by interval evaluation of the closed "
                         "form (docs/theory.md 3.1)", widths_digits([rho]), {"a": [rho]})
    if chain.K == 0:
        a = [outward_pair(Fraction(x), Fraction(x), dps + 15) for x in chain.a]
        return Proof({"K": zero, "a": a}, "proved: at K = 0 the chain is its own single-site law, so a* = a exactly "
                     "(the moment map is injective, docs/theory.md 2)", float("inf"))
    est = list(a_estimate)                   # mpf or rationals: to_arb reads both exactly
    d = len(trimmed(chain.a))                # trailing zeros of the input stay zero: the subfamily of degree d,
    zeros = len(est) - d                     # as the estimate computes it (docs/theory.md 5.7)
    if len(est) < d or any(x != 0 for x in est[d:]) or not est[d - 1] > 0:
        return Proof(None, "not proved: the fixed point lies on the edge a_n = 0 of the family (a constrained "
                     "projection), which the Krawczyk test does not cover")
    est = est[:d]
    pm = moments(chain, dps + 10, 0)
    if pm.intervals is None:
        return Proof(None, pm.note.replace("not proved: ", "not proved: the targets m_2k(theta): ", 1))
    from numerics.certify import krawczyk_balls
    if not all(abs(float(x)) < 1e300 for x in est):
        return Proof(None, "not proved: the fixed point's coefficients are beyond the Krawczyk test's float range")
    with arb_precision(digits_to_bits(dps + 15)):
        targets = pm.balls["m"][:d]
        scale = max(1.0, max(abs(float(x)) for x in est))
        radius = 100 * max(float(max(t.rad() for t in targets)), float(error), 10.0 ** -(dps + 10)) * scale
        reason = ""
        for _ in range(3):
            box, reason = krawczyk_balls(est, targets, dps, Fraction(radius))
            if box is not None:
                digits = widths_digits(box)
                shown, weak = _digits_note(digits, dps)
                note = (f"{'WEAK, only ' if weak else 'proved: '}{shown} digits of a*: the Krawczyk test with the "
                        "proved targets m_2k(theta) shows that exactly one a in the box has those single-site "
                        "moments (K* = 0 and a* so characterized: Theorem R; docs/theory.md 5.15)"
                        + (f"; a_{d + 1}.. = 0, the input's trailing zeros" if zeros else ""))
                return Proof({"K": zero, "a": [outward(x, dps) for x in box] + [zero] * zeros}, note, digits,
                             {"a": box})
            radius *= 1000
    return Proof(None, f"not proved: the Krawczyk test with proved targets did not close ({reason})")
