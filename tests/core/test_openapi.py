"""The OpenAPI schema documents the error answers of every operation, with the one error body the API sends."""

import pytest
from drf_spectacular.generators import SchemaGenerator

ERROR_REF = "#/components/schemas/ErrorOutput"
PUBLIC = {"/api/v1/auth/token/", "/api/v1/auth/signup/seller/", "/api/v1/auth/signup/dealer/",
          "/api/v1/payments/webhooks/card/", "/api/v1/transparency/heads/", "/api/v1/transparency/consistency/",
          "/api/v1/transparency/inclusion/"}


@pytest.fixture(scope="module")
def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method, operation) for path, methods in schema["paths"].items()
            for method, operation in methods.items()]


def test_every_error_answer_has_the_error_body(operations):
    for path, method, operation in operations:
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (path, method, code)


def test_each_operation_documents_the_refusals_its_shape_allows(operations):
    for path, method, operation in operations:
        codes = set(operation["responses"])
        if path not in PUBLIC:
            assert {"401", "403"} <= codes, (path, method)
        if "{" in path:
            assert "404" in codes, (path, method)
        if method in ("post", "put", "patch", "delete"):
            assert "400" in codes, (path, method)
            if "{" in path:
                assert "409" in codes, (path, method)


def test_throttled_operations_document_their_429(operations):
    throttled = {(path, method) for path, method, operation in operations if "429" in operation["responses"]}
    assert {("/api/v1/auth/token/", "post"), ("/api/v1/auctions/{auction_id}/bids/", "post"),
            ("/api/v1/listings/{listing_id}/photos/", "post"),
            ("/api/v1/inspections/{inspection_id}/photos/", "post")} <= throttled
