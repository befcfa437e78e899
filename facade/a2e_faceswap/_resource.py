"""The base of the client's resources (``client.tasks``, ``previews``, ``faces``, ``uploads``)."""

from __future__ import annotations

from typing import Generic, TypeVar

from ._api import AsyncApi, SyncApi

__all__ = ["Resource"]

T = TypeVar("T", SyncApi, AsyncApi)


class Resource(Generic[T]):
    """A readable repr, ``Tasks(base_url='https://video.a2e.ai')``: the server, never the token."""

    _api: T

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._api.config.base_url!r})"
