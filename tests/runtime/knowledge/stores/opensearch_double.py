"""An OpenSearch double behind a real HTTPS loopback server, so the store talks through its
real transport: botocore SigV4 signing, URLLib3Session, TLS (a trustme test CA)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class OpenSearchDouble:
    """Just enough of the OpenSearch REST API for OpenSearchStore: index create/HEAD,
    _bulk (index without id, delete by id), _search with bool/term/terms filters and
    knn (faiss innerproduct score: 1 + ip, or 1 / (1 - ip) when ip < 0)."""

    def __init__(self) -> None:
        self.indices: dict[str, dict[str, Any]] = {}
        self.docs: dict[str, dict[str, Any]] = {}
        self.next_id = 0
        self.requests: list[tuple[str, str]] = []
        self.headers: list[dict[str, str]] = []

    def answer(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        self.requests.append((method, path))
        if method == "HEAD":
            return (200 if path.strip("/") in self.indices else 404), b""
        if method == "PUT":
            self.indices[path.strip("/")] = json.loads(body or b"{}")
            return 200, b'{"acknowledged": true}'
        if path == "/_bulk":
            lines = [json.loads(line) for line in (body or b"").decode().splitlines() if line]
            items, i = [], 0
            while i < len(lines):
                action = lines[i]
                if "index" in action:
                    self.next_id += 1
                    self.docs[f"id{self.next_id}"] = lines[i + 1]
                    items.append({"index": {"_id": f"id{self.next_id}", "status": 201}})
                    i += 2
                else:
                    self.docs.pop(action["delete"]["_id"], None)
                    items.append({"delete": {"_id": action["delete"]["_id"], "status": 200}})
                    i += 1
            return 200, json.dumps({"errors": False, "items": items}).encode()
        if path.endswith("/_search"):
            return 200, json.dumps(self._search(json.loads(body or b"{}"))).encode()
        return 400, b'{"error": "unsupported"}'

    @staticmethod
    def _match(doc: dict[str, Any], clauses: list[dict[str, Any]]) -> bool:
        for clause in clauses:
            kind, spec = next(iter(clause.items()))
            field, wanted = next(iter(spec.items()))
            value = doc.get(field)
            values = value if isinstance(value, list) else [value]
            accepted = wanted if kind == "terms" else [wanted]
            if not set(values) & set(accepted):
                return False
        return True

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        query = body["query"]
        hits = []
        if "knn" in query:
            spec = query["knn"]["embedding"]
            clauses = spec["filter"]["bool"]["filter"]
            for doc_id, doc in self.docs.items():
                if "embedding" in doc and self._match(doc, clauses):
                    ip = sum(a * b for a, b in zip(spec["vector"], doc["embedding"], strict=True))
                    score = 1 + ip if ip >= 0 else 1 / (1 - ip)
                    hits.append(
                        {"_id": doc_id, "_score": score, "_source": {k: v for k, v in doc.items() if k != "embedding"}}
                    )
            hits.sort(key=lambda h: -h["_score"])
            hits = hits[: spec["k"]]
        else:
            clauses = query["bool"]["filter"]
            source = body.get("_source", True)
            for doc_id, doc in self.docs.items():
                if self._match(doc, clauses):
                    src = (
                        doc if source is True else ({} if source is False else {k: doc[k] for k in source if k in doc})
                    )
                    hits.append({"_id": doc_id, "_score": 0.0, "_source": src})
        return {"hits": {"hits": hits[: body.get("size", 10)]}}


@contextmanager
def https_opensearch(tmp_path: Path) -> Iterator[tuple[OpenSearchDouble, str, str]]:
    """(double, endpoint URL, CA bundle path) of a TLS server on 127.0.0.1."""
    import trustme

    double = OpenSearchDouble()
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    ca_bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_bundle))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as URLLib3Session pools connections

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            double.headers.append({k.lower(): v for k, v in self.headers.items()})
            status, payload = double.answer(self.command, self.path, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double, f"https://127.0.0.1:{server.server_port}", str(ca_bundle)
    finally:
        server.shutdown()
        server.server_close()
