"""Tamper-evident history (issue 13): the per-account hash chain, its streaming verifier,
client proofs, point-in-time balances and analytics exports. Pure: callers bring the reads."""
