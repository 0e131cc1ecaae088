"""Which LEDGER_* environment variables no settings model reads: a misspelling such as
LEDGER_TABEL is otherwise ignored in silence, and the service runs on a default."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Mapping

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

#: The settings models of every package that reads LEDGER_* variables. A module that is not
#: installed (an optional part) is skipped; a model defined elsewhere is found once imported.
SETTINGS_MODULES = (
    "services.settings",
    "services.identity.settings",
    "services.fx.settings",
)
#: Read outside any model: by the test session and the deployment's metrics sidecar.
OTHER_VARIABLES = frozenset(
    {"LEDGER_TEST_ENDPOINT", "LEDGER_SOAK_TRANSFERS", "LEDGER_METRICS_PORT"}
)


def known_variables() -> frozenset[str]:
    for module in SETTINGS_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    names: set[str] = set(OTHER_VARIABLES)
    for model in _subclasses(BaseSettings):
        prefix = str(model.model_config.get("env_prefix") or "")
        if not prefix.upper().startswith("LEDGER_"):
            continue
        for name, field in model.model_fields.items():
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                names.update(c.upper() for c in alias.choices if isinstance(c, str))
            elif isinstance(alias, str):
                names.add(alias.upper())
            else:
                names.add(f"{prefix}{name}".upper())
    return frozenset(n for n in names if n.startswith("LEDGER_"))


def unknown_variables(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """LEDGER_* variables in `environ` that nothing reads, each with the closest known name."""
    known = known_variables()
    unknown = sorted(
        n for n in environ if n.upper().startswith("LEDGER_") and n.upper() not in known
    )
    return [(name, _closest(name.upper(), known)) for name in unknown]


def _closest(name: str, known: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    return matches[0] if matches else None


def _subclasses(base: type[BaseSettings]) -> list[type[BaseSettings]]:
    found: list[type[BaseSettings]] = []
    for sub in base.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found
