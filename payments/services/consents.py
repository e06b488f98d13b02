"""The seller's answer to a price below the reserve, whichever question it answers: the top bid at the close
(auctions decides the auction's outcome) or a second-chance offer (settlement decides the offer)."""

from dataclasses import dataclass

from accounts.models import User
from auctions.models import SellerConsent
from auctions.services import ConsentNotFound
from payments.models import SecondChanceOffer
from payments.services.offers import second_chance_consent_decide
from payments.services.settlement import auction_decision_settle


@dataclass(frozen=True)
class SellerDecision:
    consent: SellerConsent
    offer: SecondChanceOffer | None = None


def seller_consent_decide(*, consent_id, seller: User, accept: bool) -> SellerDecision:
    try:
        source = SellerConsent.objects.filter(pk=int(consent_id)).values_list("source", "auction_id").first()
    except (TypeError, ValueError):
        source = None
    if source is None:
        raise ConsentNotFound()
    kind, auction_id = source
    if kind == SellerConsent.Source.CLOSE:
        auction_decision_settle(auction_id=auction_id, seller=seller, accept=accept)
        return SellerDecision(SellerConsent.objects.get(pk=consent_id))
    decided = second_chance_consent_decide(consent_id=consent_id, seller=seller, accept=accept)
    return SellerDecision(decided.consent, decided.offer)
