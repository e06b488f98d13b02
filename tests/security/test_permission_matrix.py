"""Every page and API endpoint × every role, against an expected-access table.

The routes come from the URL configuration, so a new endpoint without an entry in EXPECTED fails
`test_every_route_has_an_expected_access_entry`. Each request is classified as *denied* (401, 403,
404, or a redirect to a login page) or *allowed* (anything else: success, a redirect elsewhere, or a
business refusal such as 400/409 — the request got past access control). A 500 fails everything.

Roles: anonymous; `seller` owns the cars below; `other_seller`; `dealer` (verified: bids, bought the
sold car, holds the second-chance offer; the owner and account holder of its organisation); `unverified_dealer`;
`suspended_dealer` (each the owner of their own one-member organisation); `inspector` (assigned to the
inspection); `other_inspector`; `staff`; `org_buyer` and `org_accounts`, members of `dealer`'s organisation
(buyers bid, accounts pay and see invoices; both act for the organisation).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.security.conftest import ROLES

pytestmark = pytest.mark.django_db

ALL = set(ROLES)
SIGNED_IN = ALL - {"anonymous"}
NOBODY: set = set()

# Routes outside the matrix, with the reason.
EXCLUDED: dict[str, str] = {}

DEALERS = {"dealer", "unverified_dealer", "suspended_dealer"}
MEMBERS = {"org_buyer", "org_accounts"}  # of `dealer`'s organisation

# route name -> {method: roles that get past access control}. Reviewed by hand; regenerate a draft with
# `pytest tests/security -k every_role -s` after emptying it. "Allowed" includes a validation or business
# refusal (400/409, or a page redirecting back with a message): the services and per-app tests check
# those; this table is about who is turned away at the door (401/403/404/login).
EXPECTED: dict[str, dict[str, set]] = {
    "home": {"GET": ALL},
    "dealers": {"GET": ALL},
    "healthz": {"GET": ALL},
    "livez": {"GET": ALL},
    "favicon": {"GET": ALL},
    "accounts:signup": {"GET": ALL, "POST": ALL, "PUT": ALL},
    "accounts:signup_dealer": {"GET": ALL, "POST": ALL, "PUT": ALL},
    "accounts:login": {"GET": ALL, "POST": ALL, "PUT": ALL},
    "accounts:logout": {"POST": ALL},
    "accounts:language_set": {"POST": ALL},  # the language switcher: anyone (saved on the account when signed in)
    "accounts:password_reset": {"GET": ALL, "POST": ALL, "PUT": ALL},
    "accounts:password_reset_done": {"GET": ALL},
    "accounts:password_reset_confirm": {"GET": ALL, "POST": ALL, "PUT": ALL},
    "accounts:password_reset_complete": {"GET": ALL},
    "accounts:profile": {"GET": SIGNED_IN, "POST": SIGNED_IN, "PUT": SIGNED_IN},
    "accounts:dashboard": {"GET": SIGNED_IN},
    # Personal data: everyone signed in, for themselves only (the close refuses without the password).
    "privacy:overview": {"GET": SIGNED_IN},
    "privacy:export": {"GET": SIGNED_IN},
    "privacy:close": {"POST": SIGNED_IN},
    # The organisation's owners (each dealer owns their own); the member and key routes act on `dealer`'s.
    "accounts:organisation": {"GET": DEALERS},
    "accounts:organisation_invite": {"POST": DEALERS},
    "accounts:organisation_member": {"POST": {"dealer"}},
    "accounts:organisation_key_create": {"POST": DEALERS},
    "accounts:organisation_key_revoke": {"POST": {"dealer"}},
    "accounts:invitation_accept": {"GET": ALL, "POST": ALL},  # a bad token: 400 for everybody, the door is open
    # Account security: a sign-in's code step (anonymous: no sign-in waits for a code, back to the login page),
    # two-factor set-up and turning it off, the emailed verification link (a bad link: 400 for everybody), its
    # resend, the payout account. Each person their own.
    "accounts:two_factor_verify": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:two_factor_setup": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:two_factor_disable": {"POST": SIGNED_IN},
    "accounts:verify_email": {"GET": ALL},
    "accounts:verify_email_resend": {"POST": SIGNED_IN},
    "accounts:payout_account": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "marketplace:list": {"GET": {"seller", "other_seller"}},
    "marketplace:create": {
        "GET": {"seller", "other_seller"},
        "POST": {"seller", "other_seller"},
        "PUT": {"seller", "other_seller"},
    },
    "marketplace:detail": {"GET": {"seller", "staff"}},
    "marketplace:vin_decode": {"GET": {"seller", "other_seller"}},
    "marketplace:edit": {"GET": {"seller"}, "POST": {"seller"}, "PUT": {"seller"}},
    "marketplace:photos": {"GET": {"seller"}, "POST": {"seller"}},
    "marketplace:photo_action": {"POST": {"seller"}},
    "marketplace:submit": {"POST": {"seller"}},
    "marketplace:withdraw": {"POST": {"seller"}},
    "marketplace:relist": {"POST": {"seller"}},
    "auctions:dashboard": {"GET": DEALERS | MEMBERS | {"staff"}},
    "auctions:detail": {"GET": DEALERS | MEMBERS | {"seller", "staff"}},
    "auctions:bid": {"POST": DEALERS | MEMBERS | {"seller", "staff"}},
    "auctions:watch": {"POST": DEALERS | MEMBERS | {"seller", "staff"}},
    "auctions:decision": {"POST": DEALERS | MEMBERS | {"seller", "staff"}},
    "auctions:rules": {"GET": ALL},
    "auctions:record": {"GET": {"seller", "dealer"}},  # the seller and the bidders only
    # each dealer's own receipts (others: an empty list)
    "auctions:receipts": {"GET": DEALERS | MEMBERS | {"seller", "staff"}},
    "transparency:log": {"GET": ALL},
    "transparency:heads_json": {"GET": ALL},
    "auctions:counter_offer": {"POST": DEALERS | MEMBERS | {"seller", "staff"}},
    "auctions:counter_answer": {"POST": DEALERS | MEMBERS | {"seller", "staff"}},
    "inspections:queue": {"GET": {"inspector", "other_inspector"}},
    "inspections:work": {"GET": {"inspector", "staff"}},
    "inspections:claim": {"POST": {"inspector", "other_inspector"}},
    "inspections:schedule": {"POST": {"inspector", "staff"}},
    "inspections:start": {"POST": {"inspector", "staff"}},
    "inspections:save": {"POST": {"inspector", "staff"}},
    "inspections:damage_add": {"POST": {"inspector", "staff"}},
    "inspections:damage_remove": {"POST": {"inspector", "staff"}},
    "inspections:photo_remove": {"POST": {"inspector", "staff"}},
    "inspections:submit": {"POST": {"inspector", "staff"}},
    "inspections:publish": {"POST": {"inspector", "staff"}},
    "inspection_report": {"GET": {"seller", "dealer", "inspector", "staff"}},
    "insights:methods": {"GET": ALL},
    "insights:market": {"GET": ALL},
    "insights:inspectors": {"GET": {"staff"}},
    "payments:list": {"GET": SIGNED_IN},
    "payments:deposit": {"GET": DEALERS | MEMBERS},  # members read; top-up and withdrawal are the owners'
    "payments:check": {"GET": {"dealer", "staff"} | MEMBERS, "POST": {"dealer"} | MEMBERS},
    "payments:adjustment": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:adjustment-decide": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:deposit-topup": {"POST": DEALERS},
    "payments:deposit-withdraw": {"POST": DEALERS},
    "rules-fees": {"GET": ALL},
    "transparency": {"GET": ALL},
    "payments:detail": {"GET": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:invoice": {"GET": {"dealer", "staff", "org_accounts"}},  # not a buyer member
    "payments:document": {"GET": {"dealer", "staff", "org_accounts"}},  # the invoice's PDF: as the invoice page
    # A buyer member gets the refusal as a message on the sale page (tests/accounts/test_organisations.py).
    "payments:pay": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:collection": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:handover": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:dispute": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:card-page": {"GET": {"dealer", "org_accounts"}, "POST": {"dealer", "org_accounts"}},
    "payments:offer": {"POST": {"dealer"} | MEMBERS},  # an accounts member gets the refusal as a message
    "payments:cancel": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:decision": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "payments:buy_now_answer": {"POST": SIGNED_IN},
    "payments:buy_now_buy": {"POST": SIGNED_IN},
    "notifications": {"GET": SIGNED_IN},
    "notifications_read": {"POST": SIGNED_IN},
    "notifications_preferences": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "service_worker": {"GET": ALL},
    "api:push-subscriptions": {"POST": SIGNED_IN, "DELETE": SIGNED_IN},
    "auctions:saved_searches": {"GET": DEALERS | MEMBERS, "POST": DEALERS | MEMBERS},  # each person their own
    "auctions:saved_search_delete": {"POST": {"dealer"}},
    "integrations:webhooks": {"GET": DEALERS, "POST": DEALERS},
    "integrations:webhook_enable": {"POST": {"dealer"}},
    "integrations:webhook_redeliver": {"POST": {"dealer"}},
    "integrations:webhook_delete": {"POST": {"dealer"}},
    "api:saved-search-list": {"GET": DEALERS | MEMBERS, "POST": DEALERS | MEMBERS},
    "api:saved-search-detail": {"DELETE": {"dealer"}},
    "api:webhook-endpoint-list": {"GET": DEALERS, "POST": DEALERS},
    "api:webhook-endpoint-enable": {"POST": {"dealer"}},
    "api:webhook-delivery-list": {"GET": DEALERS},
    "api:webhook-delivery-redeliver": {"POST": {"dealer"}},
    "api:webhook-endpoint-detail": {"DELETE": {"dealer"}},
    "api:auth-token": {"POST": ALL},
    "api:auth-signup-seller": {"POST": ALL},
    "api:auth-signup-dealer": {"POST": ALL},
    "api:me": {"GET": SIGNED_IN, "PATCH": SIGNED_IN},
    "api:me-data": {"GET": SIGNED_IN},
    "api:organisation-members": {"GET": DEALERS, "POST": DEALERS},
    "api:organisation-member": {"PATCH": {"dealer"}, "DELETE": {"dealer"}},
    "api:organisation-api-keys": {"GET": DEALERS, "POST": DEALERS},
    "api:organisation-api-key": {"DELETE": {"dealer"}},
    "api:market": {"GET": ALL},
    "api:listing-list": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "api:listing-detail": {"GET": {"seller", "staff"}, "PATCH": {"seller"}},
    "api:listing-submit": {"POST": {"seller"}},
    "api:listing-withdraw": {"POST": {"seller"}},
    "api:listing-photos": {"POST": {"seller", "staff"}},
    "api:listing-photos-order": {"POST": {"seller", "staff"}},
    "api:listing-photo-detail": {"DELETE": {"seller"}},
    "api:listing-photo-cover": {"POST": {"seller"}},
    "api:auction-list": {"GET": SIGNED_IN},
    "api:auction-detail": {"GET": DEALERS | MEMBERS | {"seller", "staff"}},
    "api:auction-bids": {"GET": DEALERS | MEMBERS | {"seller", "staff"},
                         "POST": DEALERS | {"org_buyer", "seller", "staff"}},
    "api:auction-watch": {"POST": DEALERS | MEMBERS, "DELETE": DEALERS | MEMBERS | {"seller", "staff"}},
    "api:auction-decision": {"POST": {"seller"}},
    "api:auction-record": {"GET": {"seller", "dealer"}},
    "api:auction-receipts": {"GET": DEALERS | MEMBERS | {"seller", "staff"}},
    "api:transparency-heads": {"GET": ALL},
    "api:transparency-consistency": {"GET": ALL},
    "api:transparency-inclusion": {"GET": ALL},
    "api:inspection-list": {"GET": {"inspector", "other_inspector", "staff"}},
    "api:inspection-detail": {"GET": {"inspector", "staff"}},
    "api:inspection-report": {"PUT": {"inspector"}},
    "api:inspection-photos": {"POST": {"inspector", "staff"}},
    "api:inspection-publish": {"POST": {"inspector"}},
    "api:listing-report": {"GET": {"seller", "dealer", "inspector", "staff"}},
    "api:sale-list": {"GET": SIGNED_IN},
    "api:sale-detail": {"GET": {"seller", "dealer", "staff"} | MEMBERS},
    "api:sale-pay": {"POST": {"seller", "dealer", "staff", "org_accounts"}},
    "api:sale-handover": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "api:sale-dispute": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    # The matrix's sale has no collection check nor adjustment yet: reading them is a 404 for everybody (the
    # parties get past the door; tests/nochip/test_api_adjustments.py reads them once recorded).
    "api:sale-collection-check": {"GET": NOBODY, "POST": {"seller", "dealer", "staff"} | MEMBERS},
    "api:sale-adjustment": {"GET": NOBODY, "POST": {"dealer"} | MEMBERS},
    "api:sale-adjustment-decision": {"POST": {"seller", "dealer", "staff"} | MEMBERS},
    "api:sale-report-lines": {"GET": {"seller", "dealer", "staff"} | MEMBERS},
    "api:sale-cancel": {"POST": {"seller"}},
    "api:seller-decision-list": {"GET": SIGNED_IN},
    "api:seller-decision": {"POST": {"seller"}},
    "api:second-chance-list": {"GET": SIGNED_IN},
    "api:second-chance-decision": {"POST": {"dealer", "org_buyer"}},
    # The organisation's deposit: its members read it; top-ups and withdrawals are the owners' (each dealer owns
    # their own organisation).
    "api:deposit": {"GET": DEALERS | MEMBERS},
    "api:deposit-topups": {"POST": DEALERS},
    "api:deposit-withdrawals": {"POST": DEALERS},
    "api:payments-webhook-card": {"POST": ALL},
    # A draft's photo by its bare name opens for nobody: private files need a signed, expiring link, checked per
    # role in tests/promises/test_private_media.py (a published listing's photos are public there).
    "media": {"GET": NOBODY},
    # Uploads of documents: the listing's seller (tests/marketplace/test_documents.py), a dealer for their own
    # dealership (tests/accounts/test_documents.py); every other role is refused.
    "marketplace:document_upload": {"POST": {"seller"}},
    "accounts:dealer_document_upload": {"POST": DEALERS},
    "schema": {"GET": ALL},
    "api-docs": {"GET": ALL},
}

DENIED_STATUSES = {401, 403, 404}


def _routes():
    def walk(patterns, ns=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue  # Django admin: staff only, tested in tests/accounts/test_admin.py and per app
                yield from walk(pattern.url_patterns, ns + (f"{pattern.namespace}:" if pattern.namespace else ""))
            elif isinstance(pattern, URLPattern):
                yield ns + (pattern.name or "?"), pattern

    return list(walk(get_resolver().url_patterns))


def _methods(pattern) -> list[str]:
    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
    if view is None:
        return ["GET", "POST"]
    return [m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]


def _url(name, pattern, ids, report_listing):
    kwargs = {key: ids[key] for key in pattern.pattern.converters}
    if name in report_listing:
        kwargs["listing_id"] = report_listing[name]
    if name == "inspections:photo_remove":
        kwargs["photo_id"] = 999_999
    return reverse(name, kwargs=kwargs)


# Answers of 500 and above that are not a crash: /healthz is 503 while a part is down (no Celery worker runs here).
HEALTH_ANSWERS = {"healthz": {503}}


def _classify(response, name: str = "") -> str:
    assert response.status_code < 500 or response.status_code in HEALTH_ANSWERS.get(name, set()), \
        f"{response.status_code} from {response.request['PATH_INFO']}"
    if response.status_code in DENIED_STATUSES:
        return "denied"
    if response.status_code in (301, 302) and "login" in response.get("Location", ""):
        return "denied"
    return "allowed"


def _client(people, role):
    client = APIClient()
    if role != "anonymous":
        client.force_login(people[role])
    return client


def observe_matrix(world) -> dict[str, dict[str, set]]:
    people, ids, report_listing = world
    clients = {role: _client(people, role) for role in ROLES}  # one session each: logging in is not free
    observed: dict[str, dict[str, set]] = {}
    # Pages first, then the API, whatever order the URLconf resolves them in (the API comes first there, for the
    # bids' sake): the requests are not rolled back, and the API's member removal would take away the member the
    # organisation page's requests act on.
    for name, pattern in sorted(_routes(), key=lambda route: route[0].startswith("api:")):
        if name in EXCLUDED:
            continue
        url = _url(name, pattern, ids, report_listing)
        for method in _methods(pattern):
            allowed, statuses = set(), set()
            for role in ROLES:
                response = getattr(clients[role], method.lower())(url, {}, format="json")
                if name == "accounts:logout":
                    clients[role] = _client(people, role)
                statuses.add(response.status_code)
                if _classify(response, name) == "allowed":
                    allowed.add(role)
            if statuses != {405}:  # a method the route does not have at all is not an access question
                observed.setdefault(name, {})[method] = allowed
    return observed


def _render(matrix) -> str:
    def roles(value):
        if value == ALL:
            return "ALL"
        if value == SIGNED_IN:
            return "SIGNED_IN"
        if not value:
            return "NOBODY"
        return "{" + ", ".join(repr(r) for r in ROLES if r in value) + "}"

    lines = ["EXPECTED = {"]
    for name, methods in matrix.items():
        inner = ", ".join(f'"{m}": {roles(v)}' for m, v in methods.items())
        lines.append(f'    "{name}": {{{inner}}},')
    lines.append("}")
    return "\n".join(lines)


def test_every_route_has_an_expected_access_entry():
    missing = sorted(name for name, _ in _routes() if name not in EXPECTED and name not in EXCLUDED)
    assert missing == [], f"routes without an access entry (add them to EXPECTED): {missing}"


def test_every_role_gets_exactly_the_access_the_table_gives_it(world):
    observed = observe_matrix(world)
    if not EXPECTED:
        print(_render(observed))
    differences = [
        f"{name} {method}: allowed for {sorted(observed[name][method])}, expected {sorted(roles)}"
        for name, methods in EXPECTED.items() for method, roles in methods.items()
        if observed.get(name, {}).get(method) != roles
    ]
    assert differences == [], "\n".join(differences)


def test_users_of_each_role_exist_in_the_world(world):
    people, _ids, _ = world
    assert {u.role for u in people.values()} == set(User.Role.values)
