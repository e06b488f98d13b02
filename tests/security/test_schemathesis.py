"""Schemathesis against the served OpenAPI schema, one pass over every operation: no 500s, and every answer as
documented (a documented status code, its content type and its body schema), as seen by each role.

Each generated request is sent, in-process (Django's WSGI application) with an API token, by the roles
tests/security/test_permission_matrix.py's EXPECTED table says reach that operation — the realistic callers —
against the world of tests/security/conftest.py plus an inspection in progress: path parameters are the ids of
real objects, so requests reach the views instead of stopping at a 404 for a random id. Every request runs
inside a savepoint that is rolled back, so one example (a withdrawal, a deleted photo) does not change what the
next one sees.

What each role gets (the suite used to run the whole schema once per role, nine times):
- an operation the role reaches (past the door: a success or a validation/business refusal): every generated
  example (generation is seeded and derandomized: when each role had a run of its own, each got the very same
  examples, generated nine times over);
- an operation the role is refused at the door (401/403/404): one request, so the refusal's status, content
  type and body are still checked against the schema. The door answers before the input is read, so the other
  examples told nothing more; which roles are refused where is test_permission_matrix.py's job;
- the coverage phase (boundary values and invalid input for every field, the methods a path does not have):
  once per operation, sent by its owner — anonymous callers on the public endpoints, each owner on its own
  objects (COVERAGE_PATHS; where two owners match, the first of COVERAGE_OWNERS that reaches the operation).
  It used to run for every matching owner, also where that owner is refused at the door; validation sits
  behind the door, and the other roles that reach the operation still send every fuzzed example.

Deterministic and bounded for CI: a fixed seed, derandomized generation, MAX_EXAMPLES fuzzed requests per
operation and role, and the coverage phase where it finds something. Rate limits are lifted for the run (test
settings only); tests/accounts/test_abuse.py and test_upload_rate_limits.py check them.
Multipart uploads get Schemathesis' random bytes: they must be refused with a 400, never a 500. The card
webhook gets no signature: a 400 it is.
"""

import json
import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import resolve
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import services as account_services
from inspections import services as inspection_services
from tests.inspections.factories import scheduled_inspection, submitted_listing
from tests.security.conftest import ROLES
from tests.security.test_permission_matrix import EXPECTED

pytestmark = pytest.mark.django_db

SEED = 20_260_808
MAX_EXAMPLES = 15
# Where the coverage phase (boundary values and invalid input for every field, the methods a path does not have)
# runs: anonymous callers on the public endpoints, and each owner on its own objects, whose requests get past the
# door to validation and the services (only on the operations the owner reaches). Everywhere else, fuzzing.
COVERAGE_PATHS = {
    "anonymous": r"^/api/v1/(auth|payments)/",
    "seller": r"^/api/v1/(me|listings|auctions|sales|seller-decisions)/",
    "dealer": r"^/api/v1/(me|auctions|sales|second-chance-offers|listings/\{listing_id\}/report)/",
    "inspector": r"^/api/v1/(inspections|listings/\{listing_id\}/report)/",
    "staff": r"^/api/v1/(inspections|sales)/",
}
COVERAGE_OWNERS = ("anonymous", "dealer", "seller", "inspector", "staff")
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
PATH_IDS = ("listing_id", "photo_id", "auction_id", "inspection_id", "sale_id", "offer_id", "consent_id", "key_id",
            "member_id", "saved_search_id", "webhook_endpoint_id", "webhook_delivery_id")
UNLIMITED = "1000000/min"


@pytest.fixture
def _no_rate_limits(settings):
    settings.GAVEL_BID_RATE = UNLIMITED
    settings.GAVEL_UPLOAD_RATE = UNLIMITED
    settings.GAVEL_LOGIN_RATE = UNLIMITED
    settings.GAVEL_SIGNUP_RATE = UNLIMITED
    settings.AXES_ENABLED = False


@pytest.fixture
def _requests_keep_the_test_transaction():
    """Django's WSGI handler closes the database connection around each request, which would end the test's
    transaction and the world in it; Django's test client disconnects the same signals."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def served_schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture
def fuzz_world(world):
    """The shared world, an inspection in progress for the inspector (the report, photo and publish endpoints)
    and an API token for everyone."""
    people, ids, report_listing = world
    seller, inspector, staff = people["seller"], people["inspector"], people["staff"]
    working = scheduled_inspection(inspector=inspector, listing=submitted_listing(seller=seller), staff=staff)
    inspection_services.inspection_start(inspection=working, actor=inspector)
    ids = {**ids, "inspection_id": working.pk, "report_listing_id": report_listing["api:listing-report"]}
    tokens = {role: account_services.token_for(user=user) for role, user in people.items()}
    return ids, tokens


METHODS = ("get", "put", "post", "patch", "delete")


def operations(served_schema: dict) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, item in served_schema["paths"].items()
            for method in item if method in METHODS]


def reaching_roles(method: str, path: str) -> set[str]:
    """The roles that get past the door of `method path`, from the permission matrix's table (by the route the
    path resolves to); every role for a route the table does not know yet (its own test fails then)."""
    route = resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name
    return set(EXPECTED.get(route, {}).get(method, ROLES if route not in EXPECTED else ()))


def coverage_owner(method: str, path: str) -> str | None:
    """Who sends the coverage phase's cases of an operation: the first of COVERAGE_OWNERS whose COVERAGE_PATHS
    match it and who reaches it (a dealer before a seller: bids and watching are the dealers')."""
    reach = reaching_roles(method, path)
    return next((role for role in COVERAGE_OWNERS if re.search(COVERAGE_PATHS[role], path) and role in reach), None)


def schemathesis_config(ids: dict, served_schema: dict) -> schemathesis.Config:
    coverage = [{"include-name": f"{method} {path}", "phases": {"coverage": {"enabled": True}}}
                for method, path in operations(served_schema) if coverage_owner(method, path)]
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "suppress-health-check": ["too_slow"],  # generation speed depends on the machine, not on the API
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                       "with-security-parameters": False},
        "phases": {"coverage": {"enabled": False}},
        "parameters": {f"path.{name}": ids[name] for name in PATH_IDS},
        # The report of a car is the inspected car's, not the seller's draft.
        "operations": [*coverage, {"include-path": "/api/v1/listings/{listing_id}/report/",
                                   "parameters": {"path.listing_id": ids["report_listing_id"]}}],
    })


@pytest.fixture
def api_schema(request, served_schema, fuzz_world, _no_rate_limits, _requests_keep_the_test_transaction):
    ids, _tokens = fuzz_world
    # Schemathesis 4.32's lazy schemas rename the running test through `_nodeid`, which pytest 9.2 no longer has.
    request.node._nodeid = request.node.nodeid
    schema = schemathesis.openapi.from_dict(served_schema, config=schemathesis_config(ids, served_schema))
    schema.app = get_wsgi_application()
    return schema


class Callers:
    """Who sends a generated case: every role that reaches its operation (the coverage phase's cases: the
    operation's coverage owner), and once per operation each role refused at its door."""

    def __init__(self, tokens: dict):
        self.headers = {role: {} if role == "anonymous" else {"Authorization": f"Token {tokens[role]}"}
                        for role in ROLES}
        # (method, path) -> the case the refused roles send, so a replay of that case (Hypothesis replays a
        # failure) sends it again.
        self.refusal_case: dict[tuple[str, str], str] = {}

    def of(self, case) -> list[str]:
        method, path = case.operation.method.upper(), case.operation.path
        if case._meta is not None and case._meta.phase.name == "coverage":
            return [coverage_owner(method, path)]
        reach = reaching_roles(method, path)
        this = repr((case.path_parameters, case.query, case.headers, case.cookies, case.body, case.media_type))
        first = self.refusal_case.setdefault((method, path), this) == this
        return [role for role in ROLES if role in reach or first]


@pytest.fixture
def callers(fuzz_world):
    _ids, tokens = fuzz_world
    return Callers(tokens)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_answers_as_documented_to_each_role(case, callers):
    for role in callers.of(case):
        try:
            with transaction.atomic():
                case.call_and_validate(headers=callers.headers[role], checks=CHECKS)
                transaction.set_rollback(True)
        except BaseException as exc:
            exc.add_note(f"(sent as {role})")
            raise
