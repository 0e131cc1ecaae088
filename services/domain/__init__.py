"""The ledger's domain: money, accounts, transfers, entries, errors, validation and the
events that travel between processes. Plain data and pure functions: no I/O."""
