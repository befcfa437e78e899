"""A2E's envelope codes that the client and the simulator treat specially.

Every A2E answer is ``{"code": ..., "data": ...}`` and ``code == 0`` means success. A2E documents no list
of error codes for face swap; the only codes it names anywhere are the moderation codes 1003 and 1004.
The "busy" codes below are this project's reading, not A2E's documentation: when A2E answers HTTP 200 with
one of them the request was not applied and may be sent again. They live here, in one place, so that the
client's retry policy and the simulator's fault injection agree on them.
"""

from __future__ import annotations

OK = 0
#: The service is overloaded / rate limited but answered HTTP 200 (retry later).
BUSY = 429
#: Service temporarily unavailable, reported in the envelope rather than as an HTTP status.
UNAVAILABLE = 503
#: Content moderation: a minor was detected (hard block).
MODERATION_MINOR = 1003
#: Content moderation: a suspected minor (soft block).
MODERATION_SUSPECTED_MINOR = 1004

#: Envelope codes after which a request may be retried: the server did not apply it.
RETRYABLE_CODES: frozenset[int] = frozenset({BUSY, UNAVAILABLE})
#: Envelope codes that mean the input was refused by moderation.
MODERATION_CODES: frozenset[int] = frozenset({MODERATION_MINOR, MODERATION_SUSPECTED_MINOR})
