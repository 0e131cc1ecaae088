"""Multi-currency exchange (issue 12): rates behind a port, quotes, and the four-leg booking plan.

Self-contained services code, not yet wired into the transfer path or the API.
"""
