"""Why the review refuses a request: a stable code, plain words and the HTTP status."""

from __future__ import annotations


class ReviewError(Exception):
    """A review request that cannot be carried out; nothing was written.

    ``status`` 409 means the case or line moved on (another reviewer, a deadline, a state):
    reload and look again; 404 an unknown case; 422 a request that can never succeed.
    """

    def __init__(self, code: str, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
