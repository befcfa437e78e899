from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.add_face_image_request import AddFaceImageRequest
from ...models.business_error import BusinessError
from ...models.error_response import ErrorResponse
from ...models.face_image_list_response import FaceImageListResponse
from ...types import Response


def _get_kwargs(
    *,
    body: AddFaceImageRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/userFaceSwapImage/add",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BusinessError | FaceImageListResponse | ErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> BusinessError | FaceImageListResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = FaceImageListResponse.from_dict(data)

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
) -> Response[BusinessError | FaceImageListResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AddFaceImageRequest,
) -> Response[BusinessError | FaceImageListResponse | ErrorResponse]:
    """Add a face image to the user's face swap image collection.

     Answers with the user's whole face image list (the documented example holds the image just added and
    an older one), not with the single new record. The returned `face_url` may be on a different CDN
    host than the submitted one (same path) in the documented example.

    Args:
        body (AddFaceImageRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | FaceImageListResponse | ErrorResponse]
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
    body: AddFaceImageRequest,
) -> BusinessError | FaceImageListResponse | ErrorResponse | None:
    """Add a face image to the user's face swap image collection.

     Answers with the user's whole face image list (the documented example holds the image just added and
    an older one), not with the single new record. The returned `face_url` may be on a different CDN
    host than the submitted one (same path) in the documented example.

    Args:
        body (AddFaceImageRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | FaceImageListResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AddFaceImageRequest,
) -> Response[BusinessError | FaceImageListResponse | ErrorResponse]:
    """Add a face image to the user's face swap image collection.

     Answers with the user's whole face image list (the documented example holds the image just added and
    an older one), not with the single new record. The returned `face_url` may be on a different CDN
    host than the submitted one (same path) in the documented example.

    Args:
        body (AddFaceImageRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | FaceImageListResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AddFaceImageRequest,
) -> BusinessError | FaceImageListResponse | ErrorResponse | None:
    """Add a face image to the user's face swap image collection.

     Answers with the user's whole face image list (the documented example holds the image just added and
    an older one), not with the single new record. The returned `face_url` may be on a different CDN
    host than the submitted one (same path) in the documented example.

    Args:
        body (AddFaceImageRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | FaceImageListResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
