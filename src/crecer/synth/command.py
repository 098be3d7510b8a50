"""`crecer synth --persons N [--seed S] [--replace] [--chunk-size C] [--workers W]`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from django.db import connection


def main(argv: list[str]) -> int:
    from .generator import MAX_PERSONS, MIN_PERSONS, SynthRefused, generate

    parser = argparse.ArgumentParser(
        prog="crecer synth",
        description="Write a deterministic synthetic national data set into the database.")
    parser.add_argument("--persons", type=int, required=True,
                        help=f"persons to write, {MIN_PERSONS:,} to {MAX_PERSONS:,} "
                             "(planted near-duplicates included)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replace", action="store_true",
                        help="delete the previous synthetic data set first (other data is kept)")
    parser.add_argument("--chunk-size", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=1,
                        help="generator processes beside the writer (0: generate inline)")
    parser.add_argument("--reference-date", type=dt.date.fromisoformat, default=None,
                        help="the 'today' of the data set (default: today), YYYY-MM-DD")
    args = parser.parse_args(argv)
    if "registry_person" not in connection.introspection.table_names():
        print("crecer synth: the database has no tables yet; run `crecer migrate` first.",
              file=sys.stderr)
        return 2
    try:
        generate(persons=args.persons, seed=args.seed, replace=args.replace,
                 chunk_size=args.chunk_size, workers=args.workers,
                 reference_date=args.reference_date,
                 progress=lambda line: print(line, flush=True))
    except (SynthRefused, ValueError) as exc:
        print(f"crecer synth: {exc}", file=sys.stderr)
        return 2
    return 0
