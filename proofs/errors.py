"""Typed errors raised at rgdnn's public boundary.

Every error names the offending parameter or input and the rule it broke, so the
CLI can print it as one line and exit with status 2.
"""


def brief(value, width=24):
    """``value`` as text short enough for a one-line message: a long exact number in scientific form.

    >>> brief(10 ** 40), brief("0.5")
    ('1.00000e+40', '0.5')
    """
    text = str(value)
    if len(text) <= width:
        return text
    if not isinstance(value, str):
        try:        # an exact number (int, Fraction, sympy Rational): six significant digits
            import fractions
            q = fractions.Fraction(int(value.p), int(value.q)) if hasattr(value, "q") else fractions.Fraction(value)
            return f"{float(q):.5e}"
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            pass
    return text[:width - 3] + "..."


class RGDNNError(Exception):
    """Base class: a user-facing error with a one-line message."""


class InadmissibleParameter(RGDNNError, ValueError):
    """A parameter outside the normalizable chain family (docs/theory.md section 1)."""

    def __init__(self, parameter, value, rule):
        self.parameter, self.value, self.rule = parameter, value, rule
        super().__init__(f"inadmissible {parameter} = {brief(value)}: {rule}")


class MalformedInput(RGDNNError, ValueError):
    """Text that does not parse (a number, a potential, a spec file)."""

    def __init__(self, what, text, rule):
        self.what, self.text, self.rule = what, text, rule
        shown = text if not isinstance(text, str) or len(text) <= 60 else text[:57] + "..."
        super().__init__(f"malformed {what} {shown!r}: {rule}")


class UnknownName(MalformedInput):
    """A well-formed name that names nothing known (a claim id, a derivation slug)."""

    def __init__(self, what, text, rule):
        RGDNNError.__init__(self, f"unknown {what} {str(text)[:60]!r}: {rule}")
        self.what, self.text, self.rule = what, text, rule


class NotSupported(RGDNNError, NotImplementedError):
    """A request the current build of rgdnn does not handle (yet)."""


class VerificationError(RGDNNError, ArithmeticError):
    """A derivation step whose verification failed; nothing wrong is printed."""


class NotConverged(RGDNNError, ArithmeticError):
    """An iteration that did not reach its tolerance; carries the partial result.

    ``partial`` is the last iterate and ``error`` its error estimate, so the caller
    can report it as unconverged instead of losing it.
    """

    def __init__(self, message, partial=None, error=None):
        self.partial, self.error = partial, error
        super().__init__(message)
