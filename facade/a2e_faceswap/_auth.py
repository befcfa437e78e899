"""How the API token is applied: ``ApiAuth``, an ``httpx.Auth`` passed with each request (never set
on a client, so a user's ``http_client`` is not changed). It signs only requests to the API's own
origin (never a CDN or a pre-signed upload URL) and writes the request log (``RequestLog``) hop by hop,
in place of event hooks. No generated ``AuthenticatedClient`` is ever made, so its attrs ``repr``
(which prints the token) cannot leak through a traceback or a debugger."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from ._logging import RequestLog

__all__ = ["ApiAuth"]


class ApiAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on requests to ``base_url``'s origin (none when ``token`` is
    empty: raw calls), and the request log of every hop (redirects followed by downloads included)."""

    def __init__(self, token: str, base_url: str, log: RequestLog) -> None:
        self._token = token
        self._origin = httpx.URL(base_url)
        self._log = log
        # scheme and normalised host[:port] (a default port left out): the cheap test of the origin
        self._where = (self._origin.scheme, self._origin.netloc)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = request.url
        if self._token and (url.scheme, url.netloc) == self._where:
            request.headers["Authorization"] = f"Bearer {self._token}"
        self._log.request(request)
        response = yield request
        for n, hop in enumerate((*response.history, response)):
            if n:
                self._log.request(hop.request)
            self._log.response(hop)

    def __repr__(self) -> str:
        return f"ApiAuth(origin={str(self._origin)!r}, token='[redacted]')"
