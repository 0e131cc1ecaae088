"""Print the GraphQL schema (SDL): `python -m entrypoints.export_schema > schema.graphql`."""

from __future__ import annotations

import sys

from resolvers.schema import build_schema


def schema_sdl() -> str:
    """The schema as committed in schema.graphql, ending with one newline."""
    return build_schema().as_str().rstrip("\n") + "\n"


def main() -> None:
    sys.stdout.write(schema_sdl())


if __name__ == "__main__":
    main()
