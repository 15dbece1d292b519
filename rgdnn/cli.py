"""The ``rgdnn`` command: one entry point, one module per subcommand under rgdnn.commands.

User errors (``proofs.errors.RGDNNError``) exit with status 2 and one line naming
the parameter and the rule it broke; never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
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
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser():
    parser = _Parser(prog="rgdnn", description="Symbolic-numeric proof companion: RG on exponential-family chains vs trained FCDNNs.")
    from rgdnn import __version__
    parser.add_argument("--version", action="version", version=f"rgdnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        mod = importlib.import_module(f"rgdnn.commands.{module}")
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return args._run(args)
    except RGDNNError as exc:
        print(f"rgdnn {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader (e.g. `| head`) closed the pipe: not an error of ours; silence the final flush
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print(f"rgdnn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
