"""rgdnn results (not yet implemented)."""
from proofs.errors import NotSupported

HELP = "results (not yet implemented)"


def add_arguments(p):
    p.add_argument("rest", nargs="*", help="arguments")


def run(args):
    raise NotSupported("rgdnn results is not yet implemented")
