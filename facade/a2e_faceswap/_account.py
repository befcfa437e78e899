"""``client.account``: the account's credits — the balance (``credits()``) and what a request would
cost before it is sent (``quote()``). Both spend nothing.

Both A2E operations are thinly documented (openapi/a2e.yaml, tag ``account``), so both answers are
read tolerantly, by the rules below (this module is where they live):

* **Balance** (``GET /api/v1/user/remainingCoins``, known only from third-party code): ``data`` is
  ``{coins, diamonds}``, or a bare number (the coins). A number is an int, a finite float or a digit
  string; a fractional balance is rounded down. No readable ``coins`` → ``UnreadableResponseError``
  (a balance that cannot be read must not pass for zero, nor for plenty).
* **Quote** (``POST /api/v1/generation/quote``, answer undocumented): ``Quote.credits`` is the first
  readable number under one of ``QUOTE_KEYS`` (in that order) in ``data`` when it is an object, then at
  the top level of the answer; or ``data`` itself when it is a bare number. A fractional estimate is
  rounded up (an estimate that errs, errs high); a negative one, a boolean or anything else is not an
  estimate. When nothing is found, ``credits`` is ``None``: never an exception for the shape of a 200.
  Errors A2E does send (a 400 for a route it does not price, 401, 429...) are raised as usual.

``Credits.raw`` and ``Quote.raw`` hold the whole answer as sent (``code``, ``data``, any other field).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import _endpoints as endpoints
from . import _parsing
from ._api import AsyncApi, SyncApi
from ._resource import Resource
from ._types import NOT_GIVEN, TimeoutArg
from .errors import InvalidInputError, UnreadableResponseError
from .models import Credits, Quote

if TYPE_CHECKING:
    from a2e_api.models import QuoteRequest, QuoteResponse, RemainingCoinsResponse

__all__ = ["FACE_SWAP_TASK_ROUTE", "QUOTE_KEYS", "Account", "AsyncAccount", "credits_from", "quote_from"]

#: The route to quote for a face swap task (create_task); its ``request_body`` is a create_task body.
FACE_SWAP_TASK_ROUTE = "/api/v1/userFaceSwapTask/add"

#: Where a quote's number of credits is looked for, in this order (see the module docstring).
QUOTE_KEYS = (
    "credits",
    "estimatedCredits",
    "estimated_credits",
    "estimatedCoins",
    "totalCredits",
    "total_credits",
    "coins",
    "cost",
)


def credits_from(answer: Mapping[str, Any]) -> Credits:
    """The balance in a remainingCoins answer (``UnreadableResponseError`` without readable coins)."""
    data = answer.get("data")
    coins = _parsing.number(data.get("coins") if isinstance(data, Mapping) else data)
    if coins is None:
        raise UnreadableResponseError(
            "remainingCoins answered no readable balance (expected data.coins or a bare number)",
            operation=endpoints.GET_REMAINING_COINS.name,
        )
    diamonds = _parsing.number(data.get("diamonds")) if isinstance(data, Mapping) else None
    return Credits(
        coins=math.floor(coins),
        diamonds=None if diamonds is None else math.floor(diamonds),
        raw=answer,
    )


def _estimate(value: object) -> int | None:
    found = _parsing.number(value)
    return None if found is None or found < 0 else math.ceil(found)


def quote_from(answer: Mapping[str, Any]) -> Quote:
    """The estimate in a quote answer; ``credits=None`` when none can be read (never raises)."""
    data = answer.get("data")
    if not isinstance(data, Mapping):
        direct = _estimate(data)
        if direct is not None:
            return Quote(credits=direct, raw=answer)
    for where in (data, answer):
        if isinstance(where, Mapping):
            for key in QUOTE_KEYS:
                found = _estimate(where.get(key))
                if found is not None:
                    return Quote(credits=found, raw=answer)
    return Quote(credits=None, raw=answer)


def _quote_body(endpoint: object, request_body: object) -> QuoteRequest:
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise InvalidInputError(
            f"endpoint must be the route to price, such as {FACE_SWAP_TASK_ROUTE!r}, got {endpoint!r}"
        )
    if not isinstance(request_body, Mapping) or not all(isinstance(key, str) for key in request_body):
        raise InvalidInputError(
            f"request_body must map field names to values (the body meant for {endpoint.strip()}), "
            f"got {type(request_body).__name__}"
        )
    from a2e_api.models.quote_request import QuoteRequest
    from a2e_api.models.quote_request_request_body import QuoteRequestRequestBody

    return QuoteRequest(
        endpoint=endpoint.strip(), request_body=QuoteRequestRequestBody.from_dict(dict(request_body))
    )


def _answer(response: RemainingCoinsResponse | QuoteResponse) -> dict[str, Any]:
    """The whole answer as sent (the generated model keeps unknown fields)."""
    return response.to_dict()


class Account(Resource[SyncApi]):
    """``client.account`` (sync): the balance and the price of a request (rules: ``_account``)."""

    def __init__(self, api: SyncApi) -> None:
        self._api = api

    def credits(self, *, timeout: TimeoutArg = NOT_GIVEN) -> Credits:
        """The account's remaining credits (``coins``) and ``diamonds``."""
        return credits_from(_answer(self._api.call(endpoints.GET_REMAINING_COINS, timeout)))

    def quote(
        self, endpoint: str, request_body: Mapping[str, Any], *, timeout: TimeoutArg = NOT_GIVEN
    ) -> Quote:
        """What sending ``request_body`` to ``endpoint`` would cost, e.g.
        ``quote(FACE_SWAP_TASK_ROUTE, {"name": ..., "face_url": ..., "video_url": ...})``.
        ``Quote.credits`` is ``None`` when the answer holds no estimate this client can read."""
        body = _quote_body(endpoint, request_body)
        return quote_from(_answer(self._api.call(endpoints.QUOTE_GENERATION, timeout, body=body)))


class AsyncAccount(Resource[AsyncApi]):
    """``client.account`` (async)."""

    def __init__(self, api: AsyncApi) -> None:
        self._api = api

    async def credits(self, *, timeout: TimeoutArg = NOT_GIVEN) -> Credits:
        """The account's remaining credits (``coins``) and ``diamonds``."""
        answer = await self._api.call(endpoints.GET_REMAINING_COINS, timeout)
        return credits_from(_answer(answer))

    async def quote(
        self, endpoint: str, request_body: Mapping[str, Any], *, timeout: TimeoutArg = NOT_GIVEN
    ) -> Quote:
        """``Account.quote``, awaited."""
        body = _quote_body(endpoint, request_body)
        answer = await self._api.call(endpoints.QUOTE_GENERATION, timeout, body=body)
        return quote_from(_answer(answer))
