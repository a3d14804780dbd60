"""One error root for the product; each subclass carries its HTTP status and a stable code."""

from __future__ import annotations

from typing import Any


class StoryError(Exception):
    """Root of every error we raise on purpose; turned into JSON once, at the HTTP edge."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def to_json(self) -> dict[str, Any]:
        """The `{"error": {...}}` body sent to clients."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return {"error": body}


class BadRequest(StoryError):
    """The request body or query is malformed or fails validation."""

    status = 400
    code = "bad_request"


class Unauthorized(StoryError):
    """Missing or wrong admin token."""

    status = 401
    code = "unauthorized"


class NotFound(StoryError):
    """The thing asked for does not exist."""

    status = 404
    code = "not_found"


class Conflict(StoryError):
    """The request does not fit the story's current state (e.g. start while running)."""

    status = 409
    code = "conflict"


class SettingsError(StoryError):
    """A settings file or value is invalid; the message names file, line and key."""

    status = 400
    code = "invalid_settings"


class ProviderError(StoryError):
    """A model provider failed; `retryable` says whether trying again may help."""

    status = 502
    code = "provider_error"
    retryable = True
    retry_after: float | None = None  # seconds the provider asked us to wait


class ProviderAuthError(ProviderError):
    """The provider rejected the API key (401/403): retrying will not help."""

    code = "provider_auth"
    retryable = False


class ProviderModelError(ProviderError):
    """The provider does not know this model: try the next model."""

    code = "provider_model"
    retryable = False


class ProviderRequestError(ProviderError):
    """The provider refused the request itself (400/422), e.g. an unsupported option: other models would too."""

    code = "provider_request"
    retryable = False


class OutputRefused(ProviderRequestError):
    """The provider refused the way structure was asked for (response_format): ask the next way down."""

    code = "output_refused"


def describe(exc: BaseException) -> str:
    """One line saying what went wrong: our message, else the exception's own words, else its type."""
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__
