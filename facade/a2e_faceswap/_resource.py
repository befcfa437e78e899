"""The base of the client's resources (``client.tasks``, ``previews``, ``faces``, ``uploads``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._transport import AsyncTransport, SyncTransport

__all__ = ["Resource"]


class Resource:
    """A readable repr, ``Tasks(base_url='https://video.a2e.ai')``: the server, never the token."""

    _t: SyncTransport | AsyncTransport

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._t.config.base_url!r})"
