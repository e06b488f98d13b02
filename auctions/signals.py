"""What auctions tell the rest of Gavel. Both are sent only after the deciding transaction commits.

- `auction_sold(sender=Auction, auction=<Auction>)`: a car was sold (reserve met at the close, or the
  seller accepted). The payments app connects here to open the sale (awaiting_payment).
- `auction_event(sender=Auction, auction_id, event_seq, kind, snapshot)`: a public change (bid, extension,
  start, close, decision, cancel). `snapshot` is the dealer-safe public state (auctions.payloads.public_snapshot):
  no reserve, no maxima, no identities. The live-updates app connects here to publish to the auction's group.
"""

import django.dispatch

auction_sold = django.dispatch.Signal()
auction_event = django.dispatch.Signal()
