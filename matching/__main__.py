"""``python -m matching solve`` (JSON in, JSON out) and ``python -m matching bench``."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("solve", help="read a problem as JSON on stdin, write the assignment as JSON")
    bench = sub.add_parser("bench", help="run the seeded benchmarks, print a table, write JSON")
    bench.add_argument(
        "--sizes",
        default="municipality,municipality-wide,copenhagen,country,country-online",
        help="comma-separated instance names (see matching/_bench.py)",
    )
    bench.add_argument("--out", default="bench/results/matching.json", help="JSON output file")
    bench.add_argument("--no-baselines", action="store_true", help="skip greedy and dense LSA")
    bench.add_argument("--jobs", type=int, default=2, help="blocks solved in parallel")
    args = parser.parse_args(argv)

    if args.command == "solve":
        from ._cli import InputError, solve

        try:
            answer = solve(sys.stdin.read())
        except (InputError, ValueError, UnicodeDecodeError) as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            print(f"error: {message}", file=sys.stderr)
            return 2
        json.dump(answer, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
        return 0

    from ._bench import run

    return run(
        sizes=[s.strip() for s in args.sizes.split(",") if s.strip()],
        out=args.out,
        baselines=not args.no_baselines,
        n_jobs=args.jobs,
    )


if __name__ == "__main__":
    sys.exit(main())
