"""rgdnn check (not yet implemented)."""
from proofs.errors import NotSupported

HELP = "check (not yet implemented)"


def add_arguments(p):
    p.add_argument("rest", nargs="*", help="arguments")


def run(args):
    raise NotSupported("rgdnn check is not yet implemented")
