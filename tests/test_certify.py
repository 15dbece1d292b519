"""Krawczyk certification of Theorem R's a*: succeeds at the computed point, fails at a wrong one."""
import mpmath
from mpmath import mp

from numerics import api
from numerics.certify import krawczyk
from numerics.general import converged_values
from numerics.transfer import Params
from proofs import examples as EX


def test_certified_enclosure_contains_fixed_point():
    chain = EX.SINGLE_WELL.chain
    fp = api.fixed_point(chain, dps=20, certify=True)
    assert fp.enclosure is not None, fp.note
    with mp.workdps(30):
        for x, (lo, hi) in zip(fp.a, fp.enclosure["a"]):
            assert mpmath.mpf(lo) <= x <= mpmath.mpf(hi)
        assert mpmath.mpf(fp.enclosure["width"]) < mpmath.mpf(10) ** -15


def test_krawczyk_rejects_a_wrong_point():
    """A box of radius 1e-12 around a point 1e-6 off the solution cannot pass the test."""
    chain = EX.SINGLE_WELL.chain
    fp = api.fixed_point(chain, dps=20)
    v = converged_values(Params.from_chain(chain), 20)
    with mp.workdps(30):
        wrong = [fp.a[0] + mpmath.mpf("1e-6"), fp.a[1]]
        box, reason = krawczyk(wrong, v.m, v.err_m, 20, mpmath.mpf("1e-12"))
    assert box is None and "not inside" in reason


def test_certify_block_scheme_says_why_not():
    fp = api.fixed_point(EX.SINGLE_WELL.chain, scheme="block", dps=15, certify=True)
    assert fp.enclosure is None and "could not certify" in fp.note


def test_enclosure_ends_are_rounded_outward():
    """The decimal ends enclose the Arb ends exactly: lo <= the ball's lower end, hi >= its upper end."""
    from fractions import Fraction

    from flint import arb

    from numerics.arbtools import arb_precision, digits_to_bits, to_arb
    from numerics.certify import krawczyk_balls
    chain = EX.SINGLE_WELL.chain
    fp = api.fixed_point(chain, dps=20)
    v = converged_values(Params.from_chain(chain), 20)
    with mp.workdps(30):
        m_err = [max(e, mpmath.mpf(10) ** -28) for e in v.err_m[:2]]
        radius = 100 * max(m_err)
        box, _ = krawczyk(list(fp.a), v.m[:2], m_err, 20, radius)
        with arb_precision(digits_to_bits(35)):
            targets = [to_arb(x) + arb(0, 1) * to_arb(e) for x, e in zip(v.m[:2], m_err)]
            balls, _ = krawczyk_balls(list(fp.a), targets, 20, radius)
            ends = [(_exact(arb(k.lower())), _exact(arb(k.upper()))) for k in balls]
    assert box is not None
    for (lo, hi), (blo, bhi) in zip(box, ends):
        assert Fraction(lo) <= blo and bhi <= Fraction(hi)


def _exact(x):
    """An Arb number of radius 0 as a Fraction, from its mantissa and binary exponent."""
    from fractions import Fraction
    man, exp = (int(v) for v in x.mid().man_exp())
    return Fraction(man) * Fraction(2) ** exp
