"""Metrics, traces and request ids: wrappers around the ledger's parts, wired by the composition
root, so each concern stays in its own file and can be measured or switched off alone."""
