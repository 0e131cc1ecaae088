"""The README's configuration table is the Settings model's: a new setting must be documented."""

from __future__ import annotations

from pathlib import Path

from entrypoints.settings_doc import block
from services.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_setting() -> None:
    assert block() in README.read_text(), "run `make settings-doc` and commit README.md"


def test_every_setting_is_described() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []
