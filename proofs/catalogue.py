"""The ordered list of derivations that ``rgdnn derive`` writes (one Markdown file each, plus an index).

>>> [slug for slug, _ in CATALOGUE][:3]
['laplace-gaussian', 'laplace-quartic', 'cumulants']
"""
from proofs import decimation, gaussian, ising, laplace

# (slug, builder); the slug is the file name and must match the Derivation's slug.
CATALOGUE = (
    ("laplace-gaussian", laplace.derive_gaussian),
    ("laplace-quartic", laplace.derive_quartic),
    ("cumulants", laplace.derive_cumulants),
    ("laplace-ising", laplace.derive_ising),
    ("decimation", decimation.derive_b2),
    ("decimation-general-b", decimation.derive_general_b),
    ("gaussian-recursion", gaussian.derive_recursion),
    ("gaussian-fixed-points", gaussian.derive_fixed_points),
    ("gaussian-free-energy", gaussian.derive_free_energy),
    ("ising", ising.derive),
)
