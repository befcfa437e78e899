from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.business_error import BusinessError
from ...models.error_response import ErrorResponse
from ...models.preview_response import PreviewResponse
from ...types import UNSET, Response


def _get_kwargs(
    *,
    field_id: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["_id"] = field_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/userFaceSwapPreview/status",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BusinessError | PreviewResponse | ErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> BusinessError | PreviewResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = PreviewResponse.from_dict(data)

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

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

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
) -> Response[BusinessError | PreviewResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    field_id: str,
) -> Response[BusinessError | PreviewResponse | ErrorResponse]:
    """Get the status of one face swap preview.

     Takes the preview's id as the query parameter `_id` (doc page 05 and the reference); answers the
    preview record (doc page 05 lists five of its fields). A preview is done when `current_status` is
    `completed` (then `result_url` is the swapped frame) or `failed`. The reference documents 400 for a
    malformed id; 404 for an unknown id is an inference, as for the other id-taking operations.

    Args:
        field_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | PreviewResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        field_id=field_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    field_id: str,
) -> BusinessError | PreviewResponse | ErrorResponse | None:
    """Get the status of one face swap preview.

     Takes the preview's id as the query parameter `_id` (doc page 05 and the reference); answers the
    preview record (doc page 05 lists five of its fields). A preview is done when `current_status` is
    `completed` (then `result_url` is the swapped frame) or `failed`. The reference documents 400 for a
    malformed id; 404 for an unknown id is an inference, as for the other id-taking operations.

    Args:
        field_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | PreviewResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        field_id=field_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    field_id: str,
) -> Response[BusinessError | PreviewResponse | ErrorResponse]:
    """Get the status of one face swap preview.

     Takes the preview's id as the query parameter `_id` (doc page 05 and the reference); answers the
    preview record (doc page 05 lists five of its fields). A preview is done when `current_status` is
    `completed` (then `result_url` is the swapped frame) or `failed`. The reference documents 400 for a
    malformed id; 404 for an unknown id is an inference, as for the other id-taking operations.

    Args:
        field_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | PreviewResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        field_id=field_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    field_id: str,
) -> BusinessError | PreviewResponse | ErrorResponse | None:
    """Get the status of one face swap preview.

     Takes the preview's id as the query parameter `_id` (doc page 05 and the reference); answers the
    preview record (doc page 05 lists five of its fields). A preview is done when `current_status` is
    `completed` (then `result_url` is the swapped frame) or `failed`. The reference documents 400 for a
    malformed id; 404 for an unknown id is an inference, as for the other id-taking operations.

    Args:
        field_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | PreviewResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            field_id=field_id,
        )
    ).parsed
