from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.business_error import BusinessError
from ...models.error_response import ErrorResponse
from ...models.task_records_response import TaskRecordsResponse
from ...types import UNSET, Response


def _get_kwargs(
    *,
    page_num: int = 1,
    page_size: int = 10,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["pageNum"] = page_num

    params["pageSize"] = page_size

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/userFaceSwapTask/records",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BusinessError | TaskRecordsResponse | ErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> BusinessError | TaskRecordsResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = TaskRecordsResponse.from_dict(data)

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
) -> Response[BusinessError | TaskRecordsResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    page_num: int = 1,
    page_size: int = 10,
) -> Response[BusinessError | TaskRecordsResponse | ErrorResponse]:
    """List the user's face swap tasks, one page at a time.

     The older doc page types `pageNum`/`pageSize` as strings; the current reference types them as
    integers with minimums (and a maximum page size of 100). Decision: integers, as the reference says;
    both are sent as the same text in a query string anyway. `count` is the total number of records, not
    the number on this page.

    Args:
        page_num (int):  Default: 1.
        page_size (int):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | TaskRecordsResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        page_num=page_num,
        page_size=page_size,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    page_num: int = 1,
    page_size: int = 10,
) -> BusinessError | TaskRecordsResponse | ErrorResponse | None:
    """List the user's face swap tasks, one page at a time.

     The older doc page types `pageNum`/`pageSize` as strings; the current reference types them as
    integers with minimums (and a maximum page size of 100). Decision: integers, as the reference says;
    both are sent as the same text in a query string anyway. `count` is the total number of records, not
    the number on this page.

    Args:
        page_num (int):  Default: 1.
        page_size (int):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | TaskRecordsResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        page_num=page_num,
        page_size=page_size,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    page_num: int = 1,
    page_size: int = 10,
) -> Response[BusinessError | TaskRecordsResponse | ErrorResponse]:
    """List the user's face swap tasks, one page at a time.

     The older doc page types `pageNum`/`pageSize` as strings; the current reference types them as
    integers with minimums (and a maximum page size of 100). Decision: integers, as the reference says;
    both are sent as the same text in a query string anyway. `count` is the total number of records, not
    the number on this page.

    Args:
        page_num (int):  Default: 1.
        page_size (int):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BusinessError | TaskRecordsResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        page_num=page_num,
        page_size=page_size,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    page_num: int = 1,
    page_size: int = 10,
) -> BusinessError | TaskRecordsResponse | ErrorResponse | None:
    """List the user's face swap tasks, one page at a time.

     The older doc page types `pageNum`/`pageSize` as strings; the current reference types them as
    integers with minimums (and a maximum page size of 100). Decision: integers, as the reference says;
    both are sent as the same text in a query string anyway. `count` is the total number of records, not
    the number on this page.

    Args:
        page_num (int):  Default: 1.
        page_size (int):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BusinessError | TaskRecordsResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            page_num=page_num,
            page_size=page_size,
        )
    ).parsed
