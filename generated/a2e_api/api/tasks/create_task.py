from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.business_error import BusinessError
from ...models.create_task_request import CreateTaskRequest
from ...models.error_response import ErrorResponse
from ...models.task_response import TaskResponse
from ...types import Response


def _get_kwargs(
    *,
    body: CreateTaskRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/userFaceSwapTask/add",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
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
) -> Response[BusinessError | TaskResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateTaskRequest,
) -> Response[BusinessError | TaskResponse | ErrorResponse]:
    """Start a face swap video task (asynchronous; spends credits).

     Answers as soon as the task is accepted, with the new task record (`current_status` usually
    `initialized`). The response example on the doc page is cut off; its schema lists 11 of the 14
    record fields (no per-state timestamps), which the shared task record schema accepts. A2E offers no
    idempotency key: a client that cannot tell whether its request was applied must look the task up
    (for example by its unique `name`) before sending it again.

    Args:
        body (CreateTaskRequest): Body of create_task (current reference). `name` is required by
            both the doc page and the reference.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | TaskResponse | ErrorResponse]
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
    body: CreateTaskRequest,
) -> BusinessError | TaskResponse | ErrorResponse | None:
    """Start a face swap video task (asynchronous; spends credits).

     Answers as soon as the task is accepted, with the new task record (`current_status` usually
    `initialized`). The response example on the doc page is cut off; its schema lists 11 of the 14
    record fields (no per-state timestamps), which the shared task record schema accepts. A2E offers no
    idempotency key: a client that cannot tell whether its request was applied must look the task up
    (for example by its unique `name`) before sending it again.

    Args:
        body (CreateTaskRequest): Body of create_task (current reference). `name` is required by
            both the doc page and the reference.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | TaskResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateTaskRequest,
) -> Response[BusinessError | TaskResponse | ErrorResponse]:
    """Start a face swap video task (asynchronous; spends credits).

     Answers as soon as the task is accepted, with the new task record (`current_status` usually
    `initialized`). The response example on the doc page is cut off; its schema lists 11 of the 14
    record fields (no per-state timestamps), which the shared task record schema accepts. A2E offers no
    idempotency key: a client that cannot tell whether its request was applied must look the task up
    (for example by its unique `name`) before sending it again.

    Args:
        body (CreateTaskRequest): Body of create_task (current reference). `name` is required by
            both the doc page and the reference.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | TaskResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateTaskRequest,
) -> BusinessError | TaskResponse | ErrorResponse | None:
    """Start a face swap video task (asynchronous; spends credits).

     Answers as soon as the task is accepted, with the new task record (`current_status` usually
    `initialized`). The response example on the doc page is cut off; its schema lists 11 of the 14
    record fields (no per-state timestamps), which the shared task record schema accepts. A2E offers no
    idempotency key: a client that cannot tell whether its request was applied must look the task up
    (for example by its unique `name`) before sending it again.

    Args:
        body (CreateTaskRequest): Body of create_task (current reference). `name` is required by
            both the doc page and the reference.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | TaskResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
