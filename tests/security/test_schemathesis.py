"""Schemathesis against the served OpenAPI schema, once per role, every operation: no 500s, and every answer as
documented (a documented status code, its content type and its body schema).

Each role calls the API in-process (Django's WSGI application) with its own API token, against the world of
tests/security/conftest.py plus an inspection in progress: path parameters are the ids of real objects, which
the role may or may not see, so requests reach the views instead of stopping at a 404 for a random id. Every
generated request runs inside a savepoint that is rolled back, so one example (a withdrawal, a deleted photo)
does not change what the next one sees.

Deterministic and bounded for CI: a fixed seed, derandomized generation, MAX_EXAMPLES fuzzed requests per
operation and role, and the coverage phase where it finds something (COVERAGE_PATHS). Rate limits are
lifted for the run (test settings only); tests/accounts/test_abuse.py and test_upload_rate_limits.py check them.
Multipart uploads get Schemathesis' random bytes: they must be refused with a 400, never a 500. The card
webhook gets no signature: a 400 it is.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import services as account_services
from inspections import services as inspection_services
from tests.inspections.factories import scheduled_inspection, submitted_listing
from tests.security.conftest import ROLES

pytestmark = pytest.mark.django_db

SEED = 20_260_808
MAX_EXAMPLES = 15
# Where the coverage phase (boundary values and invalid input for every field, the methods a path does not have)
# runs: anonymous callers on the public endpoints, and each owner on its own objects, whose requests get past the
# door to validation and the services. Everywhere else, fuzzing.
COVERAGE_PATHS = {
    "anonymous": r"^/api/v1/(auth|payments)/",
    "seller": r"^/api/v1/(me|listings|auctions|sales|seller-decisions)/",
    "dealer": r"^/api/v1/(me|auctions|sales|second-chance-offers|listings/\{listing_id\}/report)/",
    "inspector": r"^/api/v1/(inspections|listings/\{listing_id\}/report)/",
    "staff": r"^/api/v1/(inspections|sales)/",
}
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
PATH_IDS = ("listing_id", "photo_id", "auction_id", "inspection_id", "sale_id", "offer_id", "consent_id")
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


def schemathesis_config(ids: dict, *, role: str) -> schemathesis.Config:
    coverage = [{"include-path-regex": COVERAGE_PATHS[role], "phases": {"coverage": {"enabled": True}}}
                ] if role in COVERAGE_PATHS else []
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


@pytest.fixture(params=ROLES)
def api_schema(request, served_schema, fuzz_world, _no_rate_limits, _requests_keep_the_test_transaction):
    ids, tokens = fuzz_world
    role = request.param
    # Schemathesis 4.32's lazy schemas rename the running test through `_nodeid`, which pytest 9.2 no longer has.
    request.node._nodeid = request.node.nodeid
    schema = schemathesis.openapi.from_dict(served_schema, config=schemathesis_config(ids, role=role))
    schema.app = get_wsgi_application()
    return schema


@pytest.fixture
def role_headers(request, fuzz_world):
    _ids, tokens = fuzz_world
    role = request.node.callspec.params["api_schema"]
    return {} if role == "anonymous" else {"Authorization": f"Token {tokens[role]}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_answers_as_documented_for_every_role(case, role_headers):
    with transaction.atomic():
        case.call_and_validate(headers=role_headers, checks=CHECKS)
        transaction.set_rollback(True)
