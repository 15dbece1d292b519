"""rgdnn derive (not yet implemented)."""
from proofs.errors import NotSupported

HELP = "derive (not yet implemented)"


def add_arguments(p):
    p.add_argument("rest", nargs="*", help="arguments")


def run(args):
    raise NotSupported("rgdnn derive is not yet implemented")
