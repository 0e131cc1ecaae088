"""The README's configuration table, from the Settings model (`make settings-doc` rewrites it)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pydantic import AliasChoices
from pydantic.fields import FieldInfo

from services.settings import Settings

START = "<!-- settings:start -->"
END = "<!-- settings:end -->"


def variables(name: str, field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str) and choice.isupper()]
    return [f"LEDGER_{name.upper()}"]


def default(field: FieldInfo) -> str:
    """The default as one would type it in the environment ("—": unset or empty)."""
    value = field.get_default(call_default_factory=True)
    if isinstance(value, (list, tuple, set, frozenset)):
        value = ",".join(str(item) for item in value)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    return f"`{value}`"


def table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        names = " / ".join(f"`{variable}`" for variable in variables(name, field))
        rows.append(f"| {names} | {default(field)} | {field.description or ''} |")
    return "\n".join(rows)


def block() -> str:
    return f"{START}\n{table()}\n{END}"


def main() -> None:
    """Print the table, or with `--write FILE` replace the table between the markers in FILE."""
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        path = Path(sys.argv[2])
        pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
        path.write_text(pattern.sub(lambda _: block(), path.read_text()))
    else:
        sys.stdout.write(block() + "\n")


if __name__ == "__main__":
    main()
