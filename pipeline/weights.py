"""Make trained weights that install offline, once per machine.

    python -m pipeline.weights standin [--force]

`standin`: a trained InceptionV3 (ImageNet features through Mixed_6c) converted from the npm package
nsfwjs 4.4.0 (needs npm; about 25 MB), checked against TensorFlow.js's outputs and cached in
$TORCH_HOME/hub/checkpoints (docs/standin.md). Renders use it with model.weights=standin. `--force` makes it
again even if the cached file looks fine.
"""

from __future__ import annotations

import argparse
import logging
import sys

from pipeline.errors import EXIT_MISTAKE, UserError, report


class OneLineParser(argparse.ArgumentParser):
    """argparse prints its whole usage before a mistake; the project's rule is the mistake, in one line."""

    def error(self, message: str) -> None:
        print(f"error: {message} (python -m pipeline.weights --help lists the options)", file=sys.stderr)
        sys.exit(EXIT_MISTAKE)


def main(argv: list[str] | None = None) -> None:
    parser = OneLineParser(
        prog="python -m pipeline.weights",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("weights", choices=["standin"], help="which weights to make")
    parser.add_argument("--force", action="store_true", help="make them again even if cached")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)  # stderr: mistakes only
    from pipeline.dreamer.standin import make_standin  # torch and torchvision: not for --help or a typo

    try:
        path = make_standin(force=args.force)
    except UserError as error:
        report(error)
    print(f"the stand-in is at {path}")


if __name__ == "__main__":
    main()
