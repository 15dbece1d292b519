"""The ``rgdnn`` command: one entry point, one module per subcommand under rgdnn.commands.

User errors (``proofs.errors.RGDNNError``) exit with status 2 and one line naming
the parameter and the rule it broke; never a traceback. The library layers do not
print: they log, and the CLI shows their records as bare lines on stderr.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys

from proofs.errors import RGDNNError

# subcommand -> module in rgdnn.commands; each module has HELP, add_arguments(p), run(args) -> int
COMMANDS = {
    "check": "check",
    "derive": "derive",
    "flow": "flow",
    "fixed-point": "fixed_point",
    "moments": "moments",
    "train": "train",
    "sweep": "sweep",
    "results": "results",
    "protocol": "protocol",
    "depth": "depth",
    "depth-study": "depth_study",
}


# The library layers whose log records the CLI shows on stderr: warnings from all of them, and the
# INFO progress lines of these modules (one line per claim / figure when stderr is not a terminal).
LIBRARY_LOGGERS = ("proofs", "numerics", "paper_checks")
INFO_LOGGERS = ("paper_checks.engine", "paper_checks.report")


class _MessageToStderr(logging.Handler):
    """A log record as its bare message on the current ``sys.stderr``, flushed (as a print to stderr was)."""

    def emit(self, record):
        try:
            stream = sys.stderr           # looked up per record: a redirected stderr gets the line
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def show_library_logs():
    """Route the library's log records to stderr as bare messages; idempotent (main() may run many times)."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, _MessageToStderr) for h in logger.handlers):
            logger.addHandler(_MessageToStderr())
    for name in INFO_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


# What an option looks like: -x, --name, --name=value.  Anything else that starts with '-' is a value.
_OPTION = re.compile(r"--?[A-Za-z][\w-]*(=.*)?", re.S)
# What an integer or a decimal option value may be: ASCII digits only (int() and float() also read other
# scripts' digits, underscores, 'inf' and 'nan')
_NUMBER_TEXT = {int: re.compile(r"[+-]?[0-9]+"),
                float: re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2, and negative values parse.

    argparse reads only '-1' and '-.5' as negative numbers; '-1/2', '-2.5e-1' and '-x**2 + x**4'
    would be taken for unknown options.  Text that cannot be an option name is a value here.
    Abbreviations are off: a prefix such as ``--json`` is never silently read as ``--json-out``.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {' '.join(str(message).split())}\n")

    def _get_value(self, action, arg_string):
        pattern = _NUMBER_TEXT.get(action.type)
        if pattern is not None and not pattern.fullmatch(arg_string.strip(" ")):
            name = "/".join(action.option_strings) or action.dest
            kind = "an integer" if action.type is int else "a decimal number"
            self.error(f"argument {name}: invalid value {arg_string!r}: expected {kind} in the ASCII digits 0-9")
        return super()._get_value(action, arg_string)

    def _parse_optional(self, arg_string):
        if len(arg_string) > 1 and arg_string[0] == "-" and not _OPTION.fullmatch(arg_string):
            return None
        return super()._parse_optional(arg_string)


def build_parser():
    parser = _Parser(prog="rgdnn",
                     description="Symbolic-numeric proof companion: RG on exponential-family chains vs trained FCDNNs.")
    from rgdnn import __version__, commands
    parser.add_argument("--version", action="version", version=f"rgdnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # by name, so that the route from a command to its numbers can be read from the imports (tests/test_layers.py)
    from rgdnn.commands import (  # noqa: F401
        check,
        depth,
        depth_study,
        derive,
        fixed_point,
        flow,
        moments,
        protocol,
        results,
        sweep,
        train,
    )
    for name, module in COMMANDS.items():
        mod = getattr(commands, module)
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None):
    """Run one command; returns the exit status (0, 1 for a failed check, 2 usage, 130 interrupted)."""
    command = "rgdnn"
    show_library_logs()
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:            # --help, --version, a usage error: already printed
            return exc.code if isinstance(exc.code, int) else 2
        if not getattr(args, "_run", None):
            print(f"rgdnn: error: give a command: {', '.join(COMMANDS)} (rgdnn --help)", file=sys.stderr)
            return 2
        command = f"rgdnn {args.command}"
        return args._run(args)
    except RGDNNError as exc:
        print(f"{command}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader (e.g. `| head`) closed the pipe: not an error of ours; silence the final flush
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
