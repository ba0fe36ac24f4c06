"""HTTPS to an OpenSearch Serverless collection (or a managed domain), SigV4-signed by botocore.

botocore does all of it: `SigV4Auth` signs the request and `URLLib3Session` — the HTTP
session every boto3 client uses — sends it over a pooled connection, so a warm Lambda
reuses its TLS connection between documents. `opensearch-py` was measured as the
alternative: its current major (3.x) pulls in grpcio and protobuf, 28 MB unzipped in the
arm64 asset against a 5 MB budget (2.x adds 5.4 MB and shadows the runtime's
urllib3/dateutil), for the four REST operations the store uses (HEAD and PUT of the index, `_search`, `_bulk`).
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from ..errors import ConfigurationError, TransientError


class HttpTransport(Protocol):
    """Sends one request to the collection; returns (HTTP status, body)."""

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]: ...


class SigV4Transport:
    """Signed requests to `endpoint`; `https://` is added when the scheme is missing.

    OpenSearch Serverless requires the `x-amz-content-sha256` header on signed requests.
    `verify` is passed to urllib3 (a CA bundle path for a private endpoint in tests).
    """

    def __init__(
        self,
        endpoint: str,
        *,
        region: str,
        service: str = "aoss",
        credentials: Any | None = None,
        timeout: int = 30,
        verify: bool | str = True,
    ) -> None:
        from botocore.httpsession import URLLib3Session

        self.endpoint = endpoint.rstrip("/")
        if not self.endpoint.startswith("https://"):
            self.endpoint = "https://" + self.endpoint.removeprefix("http://")
        self.region = region
        self.service = service
        if credentials is None:
            import boto3

            credentials = boto3.Session().get_credentials()
        self.credentials: Any = credentials
        # botocore passes a CA bundle path as `verify` too (its stubs only admit bool).
        options: dict[str, Any] = {"verify": verify, "timeout": timeout}
        self.session = URLLib3Session(**options)

    def signed(self, method: str, path: str, body: bytes | None) -> Any:
        """The botocore `AWSRequest` for this call, signed with the current credentials."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        payload = body or b""
        headers = {"Content-Type": "application/json", "x-amz-content-sha256": hashlib.sha256(payload).hexdigest()}
        request = AWSRequest(method=method, url=self.endpoint + path, data=payload, headers=headers)
        credentials: Any = self.credentials
        if credentials is None:
            raise ConfigurationError("no AWS credentials available to sign OpenSearch requests")
        if hasattr(credentials, "get_frozen_credentials"):
            credentials = credentials.get_frozen_credentials()  # refreshed role credentials
        SigV4Auth(credentials, self.service, self.region).add_auth(request)
        return request

    def signed_headers(self, method: str, path: str, body: bytes | None) -> dict[str, str]:
        return dict(self.signed(method, path, body).headers.items())

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError

        try:
            response = self.session.send(self.signed(method, path, body).prepare())
            return int(response.status_code), bytes(response.content or b"")
        except (BotoConnectionError, HTTPClientError) as exc:
            raise TransientError(f"OpenSearch unreachable: {exc}") from exc
