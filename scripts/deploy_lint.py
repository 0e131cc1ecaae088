"""Lint deploy/template.yaml as written and as AWS SAM expands it.

cfn-lint 1.x checks the SAM template's own resources against SAM schemas but no longer runs the
SAM transform, so it accepts anything inside a function's `Events` (an event source mapping with
a misspelt property or an unknown StartingPosition passes). This script also expands the template
with aws-sam-translator, offline, and lints the CloudFormation that `sam deploy` would submit.

Usage: python scripts/deploy_lint.py [deploy/template.yaml]; exit status 1 on any finding.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

from cfnlint.api import ManualArgs, lint
from cfnlint.decode import decode
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform

TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "template.yaml"
#: Regions the template is checked against (resource and property availability).
REGIONS = ["us-east-1", "eu-west-1"]
#: Informational checks too: the template must be free of every finding, not just errors.
CONFIG = ManualArgs(regions=REGIONS, include_checks=["I"])


class _NoManagedPolicies:
    """The template names its roles; SAM must not need AWS to look up managed policies."""

    def load(self) -> dict[str, str]:
        raise RuntimeError("SAM asked for managed policies: give each function a Role")


def expand(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation the SAM transform makes of `template`, without calling AWS."""
    os.environ.setdefault("AWS_DEFAULT_REGION", REGIONS[0])
    expanded: dict[str, Any] = transform(copy.deepcopy(template), {}, _NoManagedPolicies())
    return expanded


def findings(path: Path = TEMPLATE) -> list[str]:
    """Every cfn-lint finding on the SAM template and on its expansion, as printable lines."""
    text = path.read_text()
    template, errors = decode(str(path))
    if errors or template is None:
        return [f"{path}: {error}" for error in errors]
    found = [f"{path}: {match}" for match in lint(text, config=CONFIG)]
    try:
        expanded = expand(json.loads(json.dumps(template)))
    except InvalidDocumentException as exc:
        return [*found, *(f"{path} (SAM transform): {cause}" for cause in exc.causes)]
    text = json.dumps(expanded, indent=1)
    found += [f"{path} (SAM-expanded): {match}" for match in lint(text, config=CONFIG)]
    return found


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else TEMPLATE
    found = findings(path)
    for line in found:
        sys.stderr.write(line + "\n")
    sys.stderr.write(f"{path}: {len(found)} cfn-lint findings (template and SAM expansion)\n")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
