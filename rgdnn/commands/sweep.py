"""rgdnn sweep (not yet implemented)."""
from proofs.errors import NotSupported

HELP = "sweep (not yet implemented)"


def add_arguments(p):
    p.add_argument("rest", nargs="*", help="arguments")


def run(args):
    raise NotSupported("rgdnn sweep is not yet implemented")
