"""gavel-verify: check a Gavel auction record without trusting Gavel.

A stand-alone program (standard library and `cryptography` only: no Django, no database). It reads an
auction export and/or bid receipts, optionally more signed tree heads (a file or a URL), and checks the
signatures, the Merkle proofs (RFC 9162), the auction's sequence, every price step under the published
rules, the close time and the sealed-reserve commitment. The formats are in docs/transparency.md.
"""

__version__ = "1.0.0"
