"""S3 and botocore failures as one-line messages that name the fix and never a secret.

S3's answer (a ``ClientError``) is sorted by its code: missing object, missing bucket, refused
access, throttling or a server error (retryable), anything else. Failures before an answer
(transport, TLS, credentials, region) are sorted by the botocore exception's class name.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from bot.errors import NotFound, RegistryError, RetryableError
from bot.untrusted import CONTROL, show

__all__ = ["CONTROL", "Missing", "display_endpoint", "show", "translate"]

MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "AccountProblem",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
        "403",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "RequestLimitExceeded",
        "RequestTimeout",
        "ServiceUnavailable",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
    }
)
TRANSPORT_REASONS = {
    "EndpointConnectionError": "could not connect",
    "ConnectTimeoutError": "connect timed out",
    "ReadTimeoutError": "read timed out",
    "ConnectionClosedError": "connection closed",
    "ProxyConnectionError": "proxy connection failed",
    "ResponseStreamingError": "connection broke while reading",
    "IncompleteReadError": "connection broke while reading",
}
CREDENTIAL_ERRORS = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "CredentialRetrievalError",
        "TokenRetrievalError",
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
        "ProfileNotFound",
    }
)


class Missing(RegistryError, NotFound):
    """The object does not exist; callers that expect it catch it."""


def display_endpoint(url: str | None) -> str:
    """The endpoint for messages: no credentials, query or fragment; AWS S3 by default."""
    if not url:
        return "AWS S3"
    parts = urlsplit(re.sub(r"//[^/?#]*@", "//", url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def translate(exc: Exception, where: str, bucket: str, endpoint_url: str | None) -> Exception:
    """The error to raise for a boto3/botocore failure on ``where`` (an ``s3://`` location)."""
    endpoint = display_endpoint(endpoint_url)
    name = type(exc).__name__
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # ClientError: S3 answered
        error = response.get("Error") or {}
        meta = response.get("ResponseMetadata") or {}
        code = str(error.get("Code") or "")
        status = int(meta.get("HTTPStatusCode") or 0)
        attempts = int(meta.get("RetryAttempts") or 0) + 1
        if code in MISSING_CODES:
            return Missing(f"S3 object {where} not found")
        if code == "NoSuchBucket":
            return RegistryError(
                f"S3 bucket {bucket!r} does not exist at {endpoint}: check the"
                " registry's bucket (and endpoint_url/region)"
            )
        if code in AUTH_CODES or status in (401, 403):
            return RegistryError(
                f"S3 at {endpoint} refused access to {where} ({code or status}): check the"
                " credentials (role, profile or AWS_* variables) and that they allow"
                " s3:ListBucket and s3:GetObject on the bucket (s3:PutObject on deployed/)"
            )
        if code in TRANSIENT_CODES or status == 429 or status >= 500:
            return RetryableError(
                f"S3 at {endpoint} throttled or failed on {where} ({code or status})"
                f" after {attempts} attempt{'s' if attempts > 1 else ''}; try again"
            )
        message = CONTROL.sub(" ", str(error.get("Message") or ""))[:160]
        return RegistryError(
            f"S3 at {endpoint} refused a request on {where}: {code or status} {message}"
        )
    if name in TRANSPORT_REASONS:
        return RetryableError(
            f"S3 at {endpoint} unreachable ({TRANSPORT_REASONS[name]}); try again"
        )
    if name == "SSLError":
        return RegistryError(f"S3 at {endpoint}: TLS failed; check endpoint_url and CA")
    if name in CREDENTIAL_ERRORS:
        return RegistryError(
            f"no usable AWS credentials for S3 ({name}): configure a role"
            " (aws-actions/configure-aws-credentials), a profile or AWS_ACCESS_KEY_ID"
            " and AWS_SECRET_ACCESS_KEY"
        )
    if name == "NoRegionError":
        return RegistryError("no AWS region for S3: set the registry's region or AWS_REGION")
    return RegistryError(f"S3 at {endpoint}: {name} on {where}")
