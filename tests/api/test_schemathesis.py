"""Property-based tests of every /api/v1 operation against the schema the app serves.

Schemathesis reads /api/v1/openapi.json from the app itself and sends generated requests,
valid and invalid, authenticated with a read_write key, and runs every check it has: no
server error; status code, content type, headers and body as documented; every request the
schema allows is accepted and every request it forbids is refused (so the schema declares
the lengths and patterns the API enforces); and more. Then its stateful phase chains the
operations the schema links (create a vacancy, invite to it, read the candidate, revoke...),
with the same checks.

One pytest case per operation, each driving Hypothesis itself: schemathesis's own pytest
loader (``from_fixture``) relies on a pytest internal that pytest 9 no longer has.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans

from app.api.openapi import api_schema
from app.api.routes import router

# Bounded: 25 examples per operation keeps the whole run well under a minute.
MAX_EXAMPLES = 25
STATEFUL_EXAMPLES = 40
ATTEMPTS = 5
OPERATIONS = sorted(
    (method.upper(), path)
    for path, operations in api_schema(router)["paths"].items()
    for method in operations
)


def test_every_operation_is_tested() -> None:
    assert len(OPERATIONS) == 13  # a new operation must be counted here, and so fuzzed
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
        # A fixed seed: the app's answers vary between runs (rate-limit windows, ids), which
        # can trip Hypothesis's replay of a failure as "flaky"; CI runs the same cases each time.
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=auth)  # every check

    try:
        run()
    finally:
        # Schemathesis keeps an app's lifespan (its database engine) for the whole process;
        # every test here has its own app, so end it.
        shutdown_lifespans()


def test_chains_of_linked_operations_keep_the_schema(app: FastAPI, write_key: str) -> None:
    loaded = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    workflow = loaded.as_state_machine()
    auth = {"Authorization": f"Bearer {write_key}"}

    class Workflow(workflow):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"headers": auth}

    # The links schemathesis found: without them the phase would test nothing.
    assert len(workflow.bundles) >= 5
    try:
        for attempt in range(ATTEMPTS):
            try:
                Workflow.run(
                    settings=settings(
                        max_examples=STATEFUL_EXAMPLES,
                        stateful_step_count=6,
                        deadline=None,
                        database=None,
                        suppress_health_check=list(HealthCheck),
                    )
                )
                break
            except (AssertionError, FlakyStrategyDefinition) as exc:
                # The app's answers (ids from the database's sequences, rate-limit windows)
                # differ between Hypothesis's tries of one sequence, which now and then trips
                # Hypothesis's own bookkeeping ("inconsistent data generation", or an assert in
                # its datatree), not one of our checks: a check that fails raises
                # schemathesis's FailureGroup, which is never retried.
                internal = isinstance(exc, FlakyStrategyDefinition) or _in_hypothesis_internals(exc)
                if not internal or attempt == ATTEMPTS - 1:
                    raise
    finally:
        shutdown_lifespans()


def _in_hypothesis_internals(exc: BaseException) -> bool:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and "hypothesis/internal/" in frames[-1].filename
