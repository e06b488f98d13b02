"""The public transparency log (issue 15): an RFC 9162 Merkle tree over every event that decides an auction,
signed tree heads, signed bid receipts and the sealed reserve.

App order: just above `core`; it knows nothing about auctions (auctions.services.auction_log writes its entries,
from the services that decide them). The pure modules — merkle, canonical, commitment, signing, export — write the
formats `gavel_verify` (the stand-alone verifier) reads; models, services and the migration's `gavel_log_append`
keep the log in PostgreSQL. See docs/transparency.md.
"""
