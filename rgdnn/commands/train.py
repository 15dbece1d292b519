"""rgdnn train (not yet implemented)."""
from proofs.errors import NotSupported

HELP = "train (not yet implemented)"


def add_arguments(p):
    p.add_argument("rest", nargs="*", help="arguments")


def run(args):
    raise NotSupported("rgdnn train is not yet implemented")
