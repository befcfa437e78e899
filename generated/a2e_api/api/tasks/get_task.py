from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.business_error import BusinessError
from ...models.error_response import ErrorResponse
from ...models.task_response import TaskResponse
from ...types import Response


def _get_kwargs(
    field_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/userFaceSwapTask/{field_id}".format(
            field_id=quote(str(field_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BusinessError | TaskResponse | ErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> BusinessError | TaskResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = TaskResponse.from_dict(data)

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
) -> Response[BusinessError | TaskResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    field_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[BusinessError | TaskResponse | ErrorResponse]:
    """Details of one face swap task (the source of truth for its state).

     Answers the whole task record (doc page 09 shows all 14 fields). Finished tasks are read here, not
    in list_task_statuses. The reference documents 400 for a malformed id; 404 for an unknown id is an
    inference from A2E's other products.

    Args:
        field_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | TaskResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        field_id=field_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    field_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> BusinessError | TaskResponse | ErrorResponse | None:
    """Details of one face swap task (the source of truth for its state).

     Answers the whole task record (doc page 09 shows all 14 fields). Finished tasks are read here, not
    in list_task_statuses. The reference documents 400 for a malformed id; 404 for an unknown id is an
    inference from A2E's other products.

    Args:
        field_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | TaskResponse | ErrorResponse
    """

    return sync_detailed(
        field_id=field_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    field_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[BusinessError | TaskResponse | ErrorResponse]:
    """Details of one face swap task (the source of truth for its state).

     Answers the whole task record (doc page 09 shows all 14 fields). Finished tasks are read here, not
    in list_task_statuses. The reference documents 400 for a malformed id; 404 for an unknown id is an
    inference from A2E's other products.

    Args:
        field_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | TaskResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        field_id=field_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    field_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> BusinessError | TaskResponse | ErrorResponse | None:
    """Details of one face swap task (the source of truth for its state).

     Answers the whole task record (doc page 09 shows all 14 fields). Finished tasks are read here, not
    in list_task_statuses. The reference documents 400 for a malformed id; 404 for an unknown id is an
    inference from A2E's other products.

    Args:
        field_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | TaskResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            field_id=field_id,
            client=client,
        )
    ).parsed
