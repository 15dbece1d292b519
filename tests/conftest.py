import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

# Two Hypothesis profiles: "default" keeps the suite CI-sized, "thorough" is for deep runs
# (HYPOTHESIS_PROFILE=thorough python -m pytest -m "slow or not slow").
settings.register_profile("default", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _restore_mpmath_state():
    """Precision is scoped, never global: fail loudly if code under test leaks mp.dps changes."""
    dps, prec = mpmath.mp.dps, mpmath.mp.prec
    yield
    leaked = (mpmath.mp.dps, mpmath.mp.prec) != (dps, prec)
    mpmath.mp.dps, mpmath.mp.prec = dps, prec
    assert not leaked, "mpmath precision leaked out of the code under test"
