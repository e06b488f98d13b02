"""Every write to settlement. `sales`: creation to handover; `payouts`; `disputes`; `offers` (second chance);
`receivables`: what sellers owe and the inspection guarantee."""

from payments.services.buy_now import BuyNowClosed, buy_now_buy, buy_now_propose, buy_now_seller_answer
from payments.services.common import AmountMismatch, PaymentNotFound, PayoutInFlight, SaleNotFound, SaleNotPayable
from payments.services.consents import SellerDecision, seller_consent_decide
from payments.services.disputes import DisclosedItems, DisputeWindowClosed, dispute_open, dispute_resolve
from payments.services.eligibility import DealerSuspended, dealer_suspend_and_withdraw
from payments.services.offers import (
    OfferExpired,
    sale_cancel_and_offer_second_chance,
    sale_seller_cancel,
    second_chance_accept,
    second_chance_consents_expire_due,
    second_chance_decline,
    second_chance_expire_due,
)
from payments.services.payouts import (
    payout_amounts,
    payout_release,
    payout_retry,
    payout_to_bank,
    payouts_due_ids,
    sales_complete_due,
)
from payments.services.receivables import GUARANTEE_SOURCES, guarantee_fund, receivable_payment_record
from payments.services.sales import (
    BelowReserveWithoutConsent,
    BuyerCannotBuy,
    bank_transfer_confirm,
    card_webhook_receive,
    handover_confirm,
    payment_confirm,
    sale_collection_arrange,
    sale_collection_deadline,
    sale_create_for_auction,
    sale_pay_initiate,
    sale_terms,
    sales_collection_overdue_notify,
    sales_mark_overdue,
)
from payments.services.settlement import (
    auction_close_and_settle,
    auction_decision_settle,
    auctions_close_overdue,
    counter_offer_answer_and_settle,
    sales_open_missing,
)

__all__ = [
    "BuyNowClosed", "buy_now_buy", "buy_now_propose", "buy_now_seller_answer",
    "GUARANTEE_SOURCES", "AmountMismatch", "auction_close_and_settle", "auction_decision_settle",
    "auctions_close_overdue", "counter_offer_answer_and_settle", "sales_open_missing",
    "BelowReserveWithoutConsent", "BuyerCannotBuy", "DealerSuspended",
    "DisclosedItems", "DisputeWindowClosed", "OfferExpired", "PaymentNotFound", "PayoutInFlight", "SaleNotFound",
    "SaleNotPayable", "SellerDecision", "bank_transfer_confirm", "card_webhook_receive",
    "dealer_suspend_and_withdraw", "dispute_open", "dispute_resolve", "guarantee_fund", "handover_confirm",
    "payment_confirm", "payout_amounts", "payout_release", "payout_retry", "payout_to_bank", "payouts_due_ids",
    "receivable_payment_record", "sale_cancel_and_offer_second_chance", "sale_collection_arrange",
    "sale_create_for_auction", "sale_pay_initiate", "sale_seller_cancel", "sale_terms", "sales_complete_due",
    "sale_collection_deadline", "sales_collection_overdue_notify",
    "sales_mark_overdue", "second_chance_accept", "second_chance_consents_expire_due", "second_chance_decline",
    "second_chance_expire_due", "seller_consent_decide",
]
