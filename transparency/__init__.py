"""The public transparency log (issue 15): an RFC 9162 Merkle tree over every event that decides an auction,
signed tree heads, signed bid receipts and the sealed reserve.

App order: just above `core`; it knows nothing about auctions (the auction services write its entries).
For now only the pure modules exist — merkle, canonical, commitment, signing, export — with no models; the
formats they write are the ones `gavel_verify` (the stand-alone verifier) reads. See docs/transparency.md.
"""
