"""A loopback HTTP server that answers AWS JSON APIs from a script, for botocore's real retry path.

botocore's Stubber answers before the HTTP layer, where botocore's retry handler never runs;
pointing a real client (`endpoint_url`) at this server exercises the retry mode, the error
parsing and the attempt budget exactly as against AWS. Each request takes the next scripted
response; the requests are recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | list[Any]
    error_type: str | None = None


def ok(body: dict[str, Any] | list[Any]) -> Reply:
    return Reply(200, body)


def aws_error(code: str, status: int, **fields: Any) -> Reply:
    """A REST-JSON error as AWS sends it: the code in `x-amzn-ErrorType`, fields in the body."""
    return Reply(status, {"message": f"{code} from the loopback server", **fields}, error_type=code)


@dataclass
class ScriptedAws:
    replies: list[Reply] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    def client(self, service: str, config: Any) -> Any:
        import boto3

        session: Any = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                             region_name="us-east-1")
        return session.client(service, endpoint_url=self.url, config=config)


@contextmanager
def scripted_aws(*replies: Reply) -> Iterator[ScriptedAws]:
    script = ScriptedAws(list(replies))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                script.requests.append((self.path, json.loads(body or b"{}")))
                reply = script.replies.pop(0) if script.replies else aws_error("ScriptExhausted", 500)
            payload = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if reply.error_type:
                self.send_header("x-amzn-ErrorType", reply.error_type)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    script.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
