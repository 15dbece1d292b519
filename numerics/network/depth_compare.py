"""One layer row: chi of the layer-L features against both schemes' references and fixed points (docs/theory.md 4.5).

A row is the JSON-ready dict

    {"L", "seed", "u", "u_se", "shape", "shape_se", "theta": {"K", "a"} | None, "cov": [[..]] | None,
     "kl": {"decimation": KL, "block": KL, "decimation_fixed_point": KL, "block_fixed_point": KL},
     "details": {..}}

with, for each reference, KL = {"d", "lower", "upper", "verdict", "reason", "reference": {"K", "a"}}:
d = d(chi || reference) in nats per site (``numerics.klrate``), its bounds over chi-hat's 95% confidence
region and the equivalence verdict at the margin (``numerics.network.effect.equivalence``). On the exact
route (cov None) the region is the point itself: lower = upper = d. ``reference`` is the chain actually
compared with: the scheme's reference, mirrored to the sign of chi's K when the objective does not
identify that sign (``sign_identified``).

Sign. Flipping every other unit, y_j -> (-1)^j y_j, maps the chain (K; a) to (-K; a) (V is even) and
leaves the KL rate between two chains unchanged when applied to both. An objective whose loss, as a
function of the feature law, is invariant under that flip cannot fix the sign of K: `infomax` (moments
of single units and decorrelation), `rsmi` (a sum of per-block mutual informations, each invariant
under the sign of its unit), `rbm`, `autoencoder` and `regress-theta` (a decoder or head absorbs it).
For these the comparison is with the mirrored reference (-K_ref; a_ref) whenever sign(K_ref) differs
from sign(K_chi): |u| is compared. `decimate`'s teacher fixes every unit's sign: compared signed.
"""
from __future__ import annotations

REFERENCE_KEYS = ("decimation", "block", "decimation_fixed_point", "block_fixed_point")

SIGN_IDENTIFIED = {"decimate": True, "infomax": False, "autoencoder": False, "regress-theta": False,
                   "rsmi": False, "rbm": False}


def sign_identified(objective: str) -> bool:
    """True when the objective fixes the sign of K (only `decimate`, whose teacher fixes each unit)."""
    return SIGN_IDENTIFIED[objective]


def aligned(reference: tuple, chi: tuple | None, signed: bool) -> tuple:
    """The reference as compared with chi: mirrored to sign(K_chi) unless ``signed`` (docstring above)."""
    if signed or chi is None or reference[0] == 0 or chi[0] == 0 or (reference[0] > 0) == (chi[0] > 0):
        return tuple(reference)
    return (-reference[0], *reference[1:])


def layer_row(law, references_at_L: dict, fixed: dict, *, kind: str, margin: float, signed: bool) -> dict:
    """The row of one ``FeatureLaw`` against {"decimation": Reference, "block": Reference} at its L and the
    fixed points {"decimation": Reference, "block": Reference}; ``margin`` in nats per site."""
    raise NotImplementedError
