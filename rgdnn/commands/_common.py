"""Arguments and output formatting shared by the subcommands.

Every ``--json`` document and every JSON file a command writes follows one convention (docs/json.md):
numbers computed at ``--dps`` digits are decimal strings cut to the digits their error estimate supports
(``num_within``), error estimates are decimal strings of 3 digits (``num_error``), measured values are
JSON numbers next to their standard errors, and anything unknown or non-finite is ``null`` (``json_safe``).
"""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import threading
from contextlib import contextmanager

from proofs.errors import MalformedInput
from proofs.family import Chain
from proofs.potential import parse_potential


def add_chain_arguments(p, required=True):
    """--K, and one of --a / --potential / --ising."""
    p.add_argument("--K", required=required, metavar="K", help="nearest-neighbour coupling (exact decimal, e.g. 0.5)")
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--a", nargs="+", metavar="a_k", help="coefficients a_1 .. a_n of V(x) = sum a_k x^(2k)")
    g.add_argument("--potential", metavar="V", help="V(x) as text, e.g. '0.5*x**2 + 0.1*x**4' (restricted parser)")
    g.add_argument("--ising", action="store_true", help="the Ising chain (spins +-1)")


def chain_from_args(args):
    if args.ising:
        return Chain.ising(args.K)
    if args.potential is not None:
        return Chain.polynomial(args.K, parse_potential(args.potential))
    if not args.a:
        raise MalformedInput("arguments", "", "give --a a_1 ... a_n, --potential 'V(x)' or --ising")
    return Chain.polynomial(args.K, args.a)


def _creatable(path, name):
    """``path`` does not exist: its nearest existing ancestor must be a directory where folders can be made."""
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise MalformedInput(name, path, f"cannot be created: {parent} is not a directory")
    _probe(parent, path, name, folder=True)


def _probe(directory, path, name, folder=False):
    """Make (and remove) a file, or a folder, in ``directory``: the test that answers whether ``path`` can be
    written. Permission bits cannot: they say yes to root on a read-only file system, and on /proc or /sys,
    where nothing can be created."""
    try:
        if folder:
            os.rmdir(tempfile.mkdtemp(dir=directory, prefix=".rgdnn-probe-"))
        else:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".rgdnn-probe-")
            os.close(fd)
            os.remove(tmp)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise MalformedInput(name, path, f"cannot be written: nothing can be created in {directory} ({why})") from None


def output_dir(path, name):
    """Check, before any work, that ``path`` is or can become a writable directory; returns it.

    >>> output_dir("/dev/null", "checkpoint-dir")
    Traceback (most recent call last):
    ...
    proofs.errors.MalformedInput: malformed checkpoint-dir '/dev/null': exists and is not a directory
    >>> output_dir("/proc/x", "checkpoint-dir")
    Traceback (most recent call last):
    ...
    proofs.errors.MalformedInput: malformed checkpoint-dir '/proc/x': cannot be written: nothing can be created in /proc (No such file or directory)
    """  # noqa: E501 (the doctest shows an exception message, one line)
    if path is None:
        return None
    if not path.strip() or "\0" in path:
        raise MalformedInput(name, path, "expected a directory path")
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise MalformedInput(name, path, "exists and is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise MalformedInput(name, path, "is not writable")
        _probe(path, path, name)
        return path
    _creatable(path, name)
    return path


def output_files(*paths):
    """Check every (path, flag name) with ``output_file`` before any work, then create the missing folders.

    The check allows a folder that can still be created; creating it here means no later write fails
    on it, and the commands need no folder handling of their own.
    """
    for path, name in paths:
        output_file(path, name)
    for path, _ in paths:
        if path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)


def output_file(path, name):
    """Check, before any work, that ``path`` can be written as a file; returns it."""
    if path is None:
        return None
    if not path.strip() or "\0" in path or path.endswith(os.sep):
        raise MalformedInput(name, path, "expected a file path")
    if os.path.isdir(path):
        raise MalformedInput(name, path, "is a directory; give a file name")
    if os.path.exists(path):
        if not os.access(path, os.W_OK):
            raise MalformedInput(name, path, "is not writable")
        try:
            with open(path, "ab"):       # opened for appending and closed: nothing written
                pass
        except OSError as exc:
            raise MalformedInput(name, path, f"cannot be written ({exc.strerror or type(exc).__name__})") from None
        return path
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(parent):
        _probe(parent, path, name)
    else:
        _creatable(path, name)
    return path


def add_margin_argument(p):
    """--margin: the equivalence margin rule, 'relative' (default) or nats per site (docs/theory.md 4.4).

    The value is read by ``numerics.network.config.parse_margin`` (torch- and numpy-free) before any work.
    """
    p.add_argument("--margin", default="relative", metavar="relative|DELTA",
                   help="equivalence margin on the KL rate d(chi || reference), fixed before the run: 'relative' "
                        "(default: 0.01 d(theta || theta*), the share of the RG's own distance left over, "
                        "docs/theory.md 4.4) or an absolute margin in nats per site in (0, 10], e.g. 1e-3 "
                        "(the margin used before the relative rule)")


def margin_from_args(args):
    """args.margin as 'relative' or a float; MalformedInput (exit 2, one line) otherwise."""
    from numerics.network.config import parse_margin
    return parse_margin(args.margin)


def add_precision_arguments(p, default_dps=30):
    p.add_argument("--dps", type=int, default=default_dps,
                   help=f"working precision in decimal digits (default {default_dps})")


def add_json_argument(p, what="the result"):
    p.add_argument("--json", action="store_true",
                   help=f"{what} as one JSON document on stdout (docs/json.md; schema rgdnn/schemas/)")


def add_rg_arguments(p):
    p.add_argument("--scheme", choices=["decimation", "block"], default="decimation", help="RG scheme")
    p.add_argument("--b", type=int, default=2, help="RG block size b (default 2)")


def num(x, dps):
    """A number as a decimal string carrying ``dps`` significant digits (JSON numbers are strings).

    Trailing zeros are kept: they are digits of the requested precision, not padding.

    >>> num("0.5", 5), num(0, 5), num("1e-45", 3)
    ('0.50000', '0.0', '1.00e-45')
    """
    import mpmath
    from mpmath import mp

    from numerics.precision import to_mpf
    with mp.workdps(dps):
        s = mpmath.nstr(to_mpf(x), dps, min_fixed=-5, max_fixed=dps, strip_zeros=False)
    return s.replace(".e", "e")          # one significant digit: mpmath writes '6.e-23'


def num_within(x, err, dps):
    """``x`` with only the significant digits its absolute error ``err`` supports (at most ``dps``).

    >>> num_within("0.123456789", "1e-4", 30), num_within(0, "1e-4", 30), num_within("2", 0, 5)
    ('0.1235', '0.0', '2.0000')
    >>> num_within("6.3e-23", "1e-22", 30)
    '6e-23'
    """
    import mpmath
    from mpmath import mp

    from numerics.precision import to_mpf
    with mp.workdps(dps + 10):
        x, digits = to_mpf(x), dps
        if x == 0:
            return "0.0"
        if err is not None and mpmath.mpf(err) > 0:
            # down to the decimal place of the error's leading digit: the last digit shown is uncertain
            digits = int(mpmath.floor(mpmath.log10(abs(x))) - mpmath.floor(mpmath.log10(mpmath.mpf(err)))) + 1
        return num(x, max(1, min(dps, digits)))


def num_error(err):
    """An absolute error estimate as a decimal string of 3 significant digits; None (JSON null) when unknown.

    >>> num_error("1.2345e-20"), num_error(0), num_error(None)
    ('1.23e-20', '0.0', None)
    """
    return None if err is None else num(err, 3)


def proved_digits(interval):
    """The leading digits every number in a proved [lo, hi] (decimal strings) shares, then an ellipsis.

    Truncation toward zero is monotone, so if lo and hi truncate to the same digits, every x between
    them does too. An interval that straddles 0 proves no digit (None); an exact one is shown in full.

    >>> proved_digits(["0.12345", "0.12349"]), proved_digits(["-0.5", "-0.5"]), proved_digits(["-1e-9", "1e-9"])
    ('0.1234…', '-0.5', None)
    >>> proved_digits(["0.1999999", "0.2000001"])      # no common digit: nothing is proved digit by digit
    >>> proved_digits(["23.781", "23.789"]), proved_digits(["23.7", "24.1"])
    ('23.78…', None)
    """
    from decimal import ROUND_DOWN, Decimal, localcontext
    with localcontext() as ctx:
        ctx.prec = 4000                 # exact: the endpoints have at most about dps + 15 digits
        return _common_digits(interval, ROUND_DOWN, Decimal)


def _common_digits(interval, ROUND_DOWN, Decimal):
    lo, hi = (Decimal(x) for x in interval)
    if lo == hi:
        return interval[0]
    if lo <= 0 <= hi:
        return None
    e = max(abs(lo), abs(hi)).adjusted()
    best = None
    for sig in range(max(1, e + 1), 400):          # the integer part is shown whole, never as "20…" for 23
        q = Decimal(1).scaleb(e - sig + 1)
        a, b = lo.quantize(q, rounding=ROUND_DOWN), hi.quantize(q, rounding=ROUND_DOWN)
        if a != b:
            break
        best = a
    if best is None:
        return None
    text = f"{best:e}" if abs(best) < Decimal("1e-5") else f"{best:f}"
    return text + "…"


@contextmanager
def working(desc):
    """On a terminal, an elapsed-time line on stderr while one long computation runs (no-op otherwise)."""
    if not sys.stderr.isatty():
        yield
        return
    from tqdm import tqdm
    stop = threading.Event()
    bar = tqdm(desc=desc, bar_format="{desc}: {elapsed} elapsed", file=sys.stderr, leave=False)

    def tick():
        while not stop.wait(0.5):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        bar.close()


def json_safe(obj):
    """``obj`` with every non-finite float replaced by None (JSON null) and tuples made lists.

    JSON has no NaN or infinity; a value that is not a finite number is unknown or unbounded, and
    docs/json.md spells both ``null``.

    >>> json_safe({"upper": float("inf"), "d": (1.5, float("nan")), "n": 3})
    {'upper': None, 'd': [1.5, None], 'n': 3}
    """
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def _text(o):
    """Objects JSON cannot write (an mpf, a Path): their text."""
    return str(o)


def emit_json(obj):
    """One JSON document on stdout (docs/json.md): non-finite floats as null, nothing else printed."""
    json.dump(json_safe(obj), sys.stdout, indent=2, allow_nan=False, default=_text)
    sys.stdout.write("\n")


def write_json(path, obj):
    """A JSON file under the same convention as ``emit_json`` (read back by ``--from-json``)."""
    with open(path, "w") as f:
        json.dump(json_safe(obj), f, indent=1, allow_nan=False, default=_text)
