"""Exact symbolic derivations (sympy, rationals and symbols only; no floats).

The lowest layer of rgdnn: ``numerics`` evaluates what is derived here,
``paper_checks`` compares the two, the CLI (``rgdnn``) sits on top.
"""
from proofs.errors import (
    InadmissibleParameter,
    MalformedInput,
    NotConverged,
    NotSupported,
    RGDNNError,
    VerificationError,
)
from proofs.family import Chain, PolynomialMeasure, TwoPointMeasure, exact_rational

__all__ = ["Chain", "PolynomialMeasure", "TwoPointMeasure", "exact_rational",
           "RGDNNError", "InadmissibleParameter", "MalformedInput", "NotSupported",
           "NotConverged", "VerificationError"]
