from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.business_error import BusinessError
from ...models.error_response import ErrorResponse
from ...models.remaining_coins_response import RemainingCoinsResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/user/remainingCoins",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BusinessError | RemainingCoinsResponse | ErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> BusinessError | RemainingCoinsResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = RemainingCoinsResponse.from_dict(data)

                return response_200_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_200_type_1 = BusinessError.from_dict(data)

            return response_200_type_1

        response_200 = _parse_response_200(response.json())

        return response_200

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
) -> Response[BusinessError | RemainingCoinsResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[BusinessError | RemainingCoinsResponse | ErrorResponse]:
    """The caller's remaining credits (coins) and diamonds.

     Not in A2E's reference and its doc page was not recovered: this operation is known ONLY from third-
    party code (doc page 13 lists what it shows). Independent clients call it with GET and read
    `data.coins` and `data.diamonds`, both integers, from `{code, data: {coins, diamonds}}` (quoted in a
    code comment); one n8n workflow sends POST instead, an outlier this contract does not follow. One
    defensive client also accepts `data` being a bare number (the coins), so the contract accepts both
    shapes. No error status is documented; the usual envelope errors are listed, as on every other
    operation. Reading the balance spends nothing.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | RemainingCoinsResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> BusinessError | RemainingCoinsResponse | ErrorResponse | None:
    """The caller's remaining credits (coins) and diamonds.

     Not in A2E's reference and its doc page was not recovered: this operation is known ONLY from third-
    party code (doc page 13 lists what it shows). Independent clients call it with GET and read
    `data.coins` and `data.diamonds`, both integers, from `{code, data: {coins, diamonds}}` (quoted in a
    code comment); one n8n workflow sends POST instead, an outlier this contract does not follow. One
    defensive client also accepts `data` being a bare number (the coins), so the contract accepts both
    shapes. No error status is documented; the usual envelope errors are listed, as on every other
    operation. Reading the balance spends nothing.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | RemainingCoinsResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[BusinessError | RemainingCoinsResponse | ErrorResponse]:
    """The caller's remaining credits (coins) and diamonds.

     Not in A2E's reference and its doc page was not recovered: this operation is known ONLY from third-
    party code (doc page 13 lists what it shows). Independent clients call it with GET and read
    `data.coins` and `data.diamonds`, both integers, from `{code, data: {coins, diamonds}}` (quoted in a
    code comment); one n8n workflow sends POST instead, an outlier this contract does not follow. One
    defensive client also accepts `data` being a bare number (the coins), so the contract accepts both
    shapes. No error status is documented; the usual envelope errors are listed, as on every other
    operation. Reading the balance spends nothing.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | RemainingCoinsResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> BusinessError | RemainingCoinsResponse | ErrorResponse | None:
    """The caller's remaining credits (coins) and diamonds.

     Not in A2E's reference and its doc page was not recovered: this operation is known ONLY from third-
    party code (doc page 13 lists what it shows). Independent clients call it with GET and read
    `data.coins` and `data.diamonds`, both integers, from `{code, data: {coins, diamonds}}` (quoted in a
    code comment); one n8n workflow sends POST instead, an outlier this contract does not follow. One
    defensive client also accepts `data` being a bare number (the coins), so the contract accepts both
    shapes. No error status is documented; the usual envelope errors are listed, as on every other
    operation. Reading the balance spends nothing.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | RemainingCoinsResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
