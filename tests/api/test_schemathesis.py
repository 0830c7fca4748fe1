"""Property-based tests of every /api/v1 operation against the schema the app serves.

Schemathesis reads /api/v1/openapi.json from the app itself and sends generated requests,
valid and invalid, authenticated with a read_write key. A response must never be a server
error, and its status code, content type and body must be the ones the schema documents.

One pytest case per operation, each driving Hypothesis itself: schemathesis's own pytest
loader (``from_fixture``) relies on a pytest internal that pytest 9 no longer has.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python.asgi import shutdown_lifespans

from app.api.openapi import api_schema
from app.api.routes import router

# Bounded: 25 examples per operation keeps the whole run well under a minute.
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OPERATIONS = sorted(
    (method.upper(), path)
    for path, operations in api_schema(router)["paths"].items()
    for method in operations
)


def test_every_operation_is_tested() -> None:
    assert len(OPERATIONS) == 12
    assert ("GET", "/api/v1/candidates/{candidate_id}/results") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_keeps_its_schema(app: FastAPI, write_key: str, method: str, path: str) -> None:
    loaded = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operation = loaded[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    auth = {"Authorization": f"Bearer {write_key}"}

    @given(case=cases)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=auth, checks=CHECKS)

    try:
        run()
    finally:
        # Schemathesis keeps an app's lifespan (its database engine) for the whole process;
        # every test here has its own app, so end it.
        shutdown_lifespans()
