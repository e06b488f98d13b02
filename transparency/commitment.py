"""The sealed reserve: a commitment logged when an auction opens, opened (published) at its close.

commitment = SHA-256("gavel-reserve-commitment-v1" 0x00 || salt (32 bytes) || has_reserve (0x00 | 0x01) ||
reserve_minor (u64 big-endian, 0 without a reserve) || report fingerprint (the 32 bytes of the published
inspection report's SHA-256) || len(fee_schedule_version) (u16 big-endian) || fee_schedule_version (UTF-8)).

The random salt keeps the reserve from being guessed by hashing candidate amounts; the report fingerprint and
the fee schedule version bind the reserve to the car as inspected and to the fees the seller agreed to.
Until the close only the commitment is public; the opening (all four values) is in the auction's export.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from gavel_verify import formats


@dataclass(frozen=True)
class SealedReserve:
    salt: bytes
    reserve_minor: int | None
    report_fingerprint: str  # 64 lower-case hex digits, as inspections publish it
    fee_schedule_version: str

    @classmethod
    def seal(cls, *, reserve_minor: int | None, report_fingerprint: str, fee_schedule_version: str) -> SealedReserve:
        """A new commitment with a fresh random salt (checked by computing it once)."""
        sealed = cls(salt=secrets.token_bytes(formats.SALT_SIZE), reserve_minor=reserve_minor,
                     report_fingerprint=report_fingerprint, fee_schedule_version=fee_schedule_version)
        sealed.commitment()
        return sealed

    def commitment(self) -> bytes:
        return formats.commitment(salt=self.salt, reserve_minor=self.reserve_minor,
                                  report_fingerprint=formats.hex32(self.report_fingerprint, "report_fingerprint"),
                                  fee_schedule_version=self.fee_schedule_version)

    def opening(self) -> dict:
        """What the export publishes after the close."""
        return {"salt": self.salt.hex(), "reserve_minor": self.reserve_minor,
                "report_fingerprint": self.report_fingerprint, "fee_schedule_version": self.fee_schedule_version}
