"""schemathesis against the simulator: generated requests (valid and invalid) for every operation of
openapi/a2e.yaml, every answer checked by schemathesis' own checks. (Its stateful phase, sequences that
follow the spec's `links`, is tests/testing/test_stateful.py.)

Bounded to keep ``make test`` fast: 20 examples per operation and phase, derandomized (the same cases on
every run, so a failure here is never a fluke), no example database.

How the checks are configured, and why:

- The simulator runs strict, so a request that breaks the contract (schemathesis' negative cases) is
  answered 400 with the violation in ``msg``; that is what ``negative_data_rejection`` wants. Such request
  violations are expected here and not counted; any *response* violation or simulator error is (see the
  fixture's teardown), and would also show up as a 500 to schemathesis.
- ``positive_data_acceptance`` stays on for every operation: the contract's id ``pattern`` (24 lowercase
  hex digits) is the simulator's own check, so a schema-valid id is never refused with a 400 (an unknown
  one is a 404, which the check accepts).
- Every case is sent with the account's token, except a negative case that breaks the Authorization
  header itself (the token would mend it): that one goes as generated, and the answer is a 401.
- The account has credits enough that no 402 ends a run early.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from a2e_faceswap.testing import API_OPERATIONS, Simulator
from a2e_faceswap.testing._spec import load_spec
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.slow

schema = schemathesis.openapi.from_dict(load_spec())
_RAN: set[str] = set()
#: Operations that refuse some schema-valid requests, as A2E documents: a quote for a route the server
#: does not price is its 400 "unsupported endpoint", and the schema cannot list the priced routes.
_REFUSES_VALID_DATA = {"quote_generation"}


@pytest.fixture(scope="module")
def conformance_sim() -> Iterator[Simulator]:
    sim = Simulator(seed=11, speed=600, credits=10**9, result_size=1024)
    sim.start()
    yield sim
    sim.stop()
    # Requests schemathesis broke on purpose are expected; answers the simulator got wrong are not.
    own = [v for v in sim.stats.contract_violations if " response " in v or "simulator error" in v]
    assert own == []
    for operation in _RAN:  # every operation tested really reached the simulator, many times
        assert sim.stats.requests_to(operation) >= 20, operation


def _breaks_authorization(case: schemathesis.Case[Any]) -> bool:
    """A negative case whose broken part includes the Authorization header (absent, malformed): it is
    sent with the header schemathesis made, since our token would mend it into a valid request."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    data = meta.phase.data
    names = {getattr(m, "parameter", None) for m in getattr(data, "mutations", ())}
    return "Authorization" in names | {getattr(data, "parameter", None)}


def _conformance_test(operation_id: str) -> object:
    """A test of one operation. One test function per operation keeps node ids unique, which pytest-xdist
    needs (the items of a single ``schema.parametrize()`` share one node id, and xdist runs only one)."""

    @schema.include(operation_id=operation_id).parametrize()
    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def test(case: schemathesis.Case[Any], conformance_sim: Simulator) -> None:
        _RAN.add(operation_id)
        token = {"Authorization": f"Bearer {conformance_sim.token}"}
        case.call_and_validate(
            base_url=conformance_sim.base_url,
            headers={} if _breaks_authorization(case) else token,
            timeout=10,
            excluded_checks=[positive_data_acceptance] if operation_id in _REFUSES_VALID_DATA else [],
        )

    return test


for _operation in API_OPERATIONS:
    globals()[f"test_{_operation}_conforms"] = _conformance_test(_operation)
