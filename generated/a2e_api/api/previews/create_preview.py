from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.business_error import BusinessError
from ...models.create_preview_request import CreatePreviewRequest
from ...models.error_response import ErrorResponse
from ...models.preview_response import PreviewResponse
from ...types import Response


def _get_kwargs(
    *,
    body: CreatePreviewRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/userFaceSwapPreview/add",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
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

    if response.status_code == 402:
        response_402 = ErrorResponse.from_dict(response.json())

        return response_402

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

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
    body: CreatePreviewRequest,
) -> Response[BusinessError | PreviewResponse | ErrorResponse]:
    """Start a face swap preview (a single swapped frame).

     The older doc page marks both body fields optional; the current reference marks both required.
    Decision: required (the reference wins for requests). The documented example passes an image as
    `video_url`; the field keeps its name. The response example on the doc page is cut off, so only its
    schema is transcribed.

    Args:
        body (CreatePreviewRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | PreviewResponse | ErrorResponse]
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
    body: CreatePreviewRequest,
) -> BusinessError | PreviewResponse | ErrorResponse | None:
    """Start a face swap preview (a single swapped frame).

     The older doc page marks both body fields optional; the current reference marks both required.
    Decision: required (the reference wins for requests). The documented example passes an image as
    `video_url`; the field keeps its name. The response example on the doc page is cut off, so only its
    schema is transcribed.

    Args:
        body (CreatePreviewRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | PreviewResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreatePreviewRequest,
) -> Response[BusinessError | PreviewResponse | ErrorResponse]:
    """Start a face swap preview (a single swapped frame).

     The older doc page marks both body fields optional; the current reference marks both required.
    Decision: required (the reference wins for requests). The documented example passes an image as
    `video_url`; the field keeps its name. The response example on the doc page is cut off, so only its
    schema is transcribed.

    Args:
        body (CreatePreviewRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | PreviewResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreatePreviewRequest,
) -> BusinessError | PreviewResponse | ErrorResponse | None:
    """Start a face swap preview (a single swapped frame).

     The older doc page marks both body fields optional; the current reference marks both required.
    Decision: required (the reference wins for requests). The documented example passes an image as
    `video_url`; the field keeps its name. The response example on the doc page is cut off, so only its
    schema is transcribed.

    Args:
        body (CreatePreviewRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | PreviewResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
