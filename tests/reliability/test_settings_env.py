"""Defect 13: the configuration table shows what can be typed in an environment, documents
every variable the service reads, and a misspelled LEDGER_* variable is reported at startup."""

from __future__ import annotations

import re
from pathlib import Path

from entrypoints.settings_doc import table
from tests.integration.test_cli import run_ledger
from tests.support.app_process import unconfigured_environment


def test_the_table_shows_no_python_words() -> None:
    text = table()
    for word in ("PydanticUndefined", "None", "False", "True"):
        assert not re.search(rf"\b{word}\b", text), (word, text)


def test_the_table_lists_the_log_level() -> None:
    assert "`LEDGER_LOG_LEVEL`" in table()


def test_a_misspelled_ledger_variable_is_reported_at_startup(tmp_path: Path) -> None:
    env = unconfigured_environment(tmp_path)
    env.update(LEDGER_TABEL="ledger-prod", LEDGER_REGION="eu-west-1", LEDGER_LOG_LEVEL="INFO")
    result = run_ledger(env, tmp_path, "create-tables")
    assert "LEDGER_TABEL" in result.stderr
    assert "LEDGER_TABLE" in result.stderr  # the suggestion
    assert "LEDGER_REGION" not in result.stderr
    assert "LEDGER_LOG_LEVEL" not in result.stderr
