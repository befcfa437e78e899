from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.business_error import BusinessError
from ...models.error_response import ErrorResponse
from ...models.quote_request import QuoteRequest
from ...models.quote_response import QuoteResponse
from ...types import Response


def _get_kwargs(
    *,
    body: QuoteRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/generation/quote",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BusinessError | QuoteResponse | ErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> BusinessError | QuoteResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = QuoteResponse.from_dict(data)

                return response_200_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_200_type_1 = BusinessError.from_dict(data)

            return response_200_type_1

        response_200 = _parse_response_200(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BusinessError | QuoteResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: QuoteRequest,
) -> Response[BusinessError | QuoteResponse | ErrorResponse]:
    """Estimate the credits a generation request would spend, without creating anything.

     From the reference (Utilities > Credits): send the generation route as `endpoint` and the exact body
    meant for it as `requestBody`; A2E prices it without creating a task, calling a provider or charging
    credits, and reads only the pricing fields (a successful quote does not validate the whole request).
    The reference gives no answer schema: it calls the 200 a "credit estimate" and names one field,
    `generationRequestValidated` (false: only pricing inputs were checked), and tells clients to
    tolerate properties they do not know. Decision: `data` is an open value; a client looks for the
    number it needs and treats an answer it cannot read as "no estimate". The reference does not say
    whether face swap routes are priced: a 400 ("unsupported endpoint") is a possible answer for them.
    Its "legacy normalized quote body" is not described and not part of this contract.

    Args:
        body (QuoteRequest): Body of quote_generation (the reference's current form; the legacy
            body is left out).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | QuoteResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: QuoteRequest,
) -> BusinessError | QuoteResponse | ErrorResponse | None:
    """Estimate the credits a generation request would spend, without creating anything.

     From the reference (Utilities > Credits): send the generation route as `endpoint` and the exact body
    meant for it as `requestBody`; A2E prices it without creating a task, calling a provider or charging
    credits, and reads only the pricing fields (a successful quote does not validate the whole request).
    The reference gives no answer schema: it calls the 200 a "credit estimate" and names one field,
    `generationRequestValidated` (false: only pricing inputs were checked), and tells clients to
    tolerate properties they do not know. Decision: `data` is an open value; a client looks for the
    number it needs and treats an answer it cannot read as "no estimate". The reference does not say
    whether face swap routes are priced: a 400 ("unsupported endpoint") is a possible answer for them.
    Its "legacy normalized quote body" is not described and not part of this contract.

    Args:
        body (QuoteRequest): Body of quote_generation (the reference's current form; the legacy
            body is left out).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | QuoteResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: QuoteRequest,
) -> Response[BusinessError | QuoteResponse | ErrorResponse]:
    """Estimate the credits a generation request would spend, without creating anything.

     From the reference (Utilities > Credits): send the generation route as `endpoint` and the exact body
    meant for it as `requestBody`; A2E prices it without creating a task, calling a provider or charging
    credits, and reads only the pricing fields (a successful quote does not validate the whole request).
    The reference gives no answer schema: it calls the 200 a "credit estimate" and names one field,
    `generationRequestValidated` (false: only pricing inputs were checked), and tells clients to
    tolerate properties they do not know. Decision: `data` is an open value; a client looks for the
    number it needs and treats an answer it cannot read as "no estimate". The reference does not say
    whether face swap routes are priced: a 400 ("unsupported endpoint") is a possible answer for them.
    Its "legacy normalized quote body" is not described and not part of this contract.

    Args:
        body (QuoteRequest): Body of quote_generation (the reference's current form; the legacy
            body is left out).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | QuoteResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: QuoteRequest,
) -> BusinessError | QuoteResponse | ErrorResponse | None:
    """Estimate the credits a generation request would spend, without creating anything.

     From the reference (Utilities > Credits): send the generation route as `endpoint` and the exact body
    meant for it as `requestBody`; A2E prices it without creating a task, calling a provider or charging
    credits, and reads only the pricing fields (a successful quote does not validate the whole request).
    The reference gives no answer schema: it calls the 200 a "credit estimate" and names one field,
    `generationRequestValidated` (false: only pricing inputs were checked), and tells clients to
    tolerate properties they do not know. Decision: `data` is an open value; a client looks for the
    number it needs and treats an answer it cannot read as "no estimate". The reference does not say
    whether face swap routes are priced: a 400 ("unsupported endpoint") is a possible answer for them.
    Its "legacy normalized quote body" is not described and not part of this contract.

    Args:
        body (QuoteRequest): Body of quote_generation (the reference's current form; the legacy
            body is left out).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | QuoteResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
