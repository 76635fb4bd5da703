"""Why the settlement service refuses a request: a stable code, the field and plain words."""

from __future__ import annotations


class SettlementError(Exception):
    """A request the service cannot carry out; nothing was written.

    ``code`` is stable (for clients and translation catalogs), ``field`` names the input at
    fault where there is one, ``status`` is the HTTP status an API answers with.
    """

    def __init__(
        self, code: str, message: str, *, field: str | None = None, status: int = 422
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}
