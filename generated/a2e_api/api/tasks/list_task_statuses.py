from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.business_error import BusinessError
from ...models.error_response import ErrorResponse
from ...models.task_status_list_response import TaskStatusListResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/userFaceSwapTask/status",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BusinessError | TaskStatusListResponse | ErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> BusinessError | TaskStatusListResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = TaskStatusListResponse.from_dict(data)

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
) -> Response[BusinessError | TaskStatusListResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[BusinessError | TaskStatusListResponse | ErrorResponse]:
    """Status of the user's face swap tasks that are still in flight.

     Takes no parameters and answers a list; the caller finds its task by `_id`. The doc example lists
    one `processing` task, so the list is read as the caller's unfinished tasks (finished tasks are
    looked up with get_task). Some third-party clients add `?_id=`; A2E documents no such parameter, so
    it is not part of the contract.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | TaskStatusListResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> BusinessError | TaskStatusListResponse | ErrorResponse | None:
    """Status of the user's face swap tasks that are still in flight.

     Takes no parameters and answers a list; the caller finds its task by `_id`. The doc example lists
    one `processing` task, so the list is read as the caller's unfinished tasks (finished tasks are
    looked up with get_task). Some third-party clients add `?_id=`; A2E documents no such parameter, so
    it is not part of the contract.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | TaskStatusListResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[BusinessError | TaskStatusListResponse | ErrorResponse]:
    """Status of the user's face swap tasks that are still in flight.

     Takes no parameters and answers a list; the caller finds its task by `_id`. The doc example lists
    one `processing` task, so the list is read as the caller's unfinished tasks (finished tasks are
    looked up with get_task). Some third-party clients add `?_id=`; A2E documents no such parameter, so
    it is not part of the contract.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | TaskStatusListResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> BusinessError | TaskStatusListResponse | ErrorResponse | None:
    """Status of the user's face swap tasks that are still in flight.

     Takes no parameters and answers a list; the caller finds its task by `_id`. The doc example lists
    one `processing` task, so the list is read as the caller's unfinished tasks (finished tasks are
    looked up with get_task). Some third-party clients add `?_id=`; A2E documents no such parameter, so
    it is not part of the contract.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | TaskStatusListResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
