"""Entry point of the zygote process; see "Starting the zygote" in the spec."""

from __future__ import annotations

import os
import sys

from .config import parse_config
from .errors import EXIT_FAILURE
from .zygote import run


def main() -> None:
    text = os.environ.pop("REGENT_CONFIG", None)  # the token is not the app's business
    if text is None:
        print("regent: REGENT_CONFIG is not set (expected: the zygote's JSON config)", file=sys.stderr)
        sys.exit(EXIT_FAILURE)
    try:
        config = parse_config(text)
    except ValueError as exc:
        print(f"regent: REGENT_CONFIG: {exc}", file=sys.stderr)
        sys.exit(EXIT_FAILURE)
    # The master reads these pipes line by line; block buffering would delay them.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(line_buffering=True)
    sys.exit(run(config))


if __name__ == "__main__":
    main()
