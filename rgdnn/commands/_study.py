"""Arguments and reporting shared by the commands that run a preset study of the pipeline (results, protocol,
depth-study)."""
from __future__ import annotations

import os
import sys

from rgdnn.commands._common import output_dir


def add_study_arguments(p):
    """--workers and --store of the commands that run a preset study of the pipeline (results, protocol)."""
    p.add_argument("--workers", type=int, default=1,
                   help="parallel training processes on a local Dask cluster (default 1: in this process)")
    p.add_argument("--store", metavar="DIR", help="one record per run here; a rerun loads the finished runs "
                   "(default: --out without its suffix, plus .store)")


def study_store(args):
    """The store directory of a study (--store, or --out without its suffix plus .store), checked before any work.

    >>> import argparse
    >>> study_store(argparse.Namespace(store=None, out="docs/results.md"))
    'docs/results.store'
    """
    return output_dir(args.store or os.path.splitext(args.out)[0] + ".store", "store")


def study_failed(study, command):
    """Print the study's outcome line on stderr, and a line on its failed runs; True if any failed."""
    print(study.outcome.line(command), file=sys.stderr)
    if study.failed:
        print(f"{command}: {study.failure()}", file=sys.stderr)
    return bool(study.failed)
