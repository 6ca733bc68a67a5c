"""A small OpenID Connect provider on 127.0.0.1 for the sign-in tests: discovery, an
authorization endpoint that signs in ``email`` at once (as after the user typed their
password at the organisation's provider), a token endpoint that checks the client and the
code and returns an RS256-signed ID token with the request's nonce, and its JWKS."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID, CLIENT_SECRET = "bidgeo-test", "hemligt-klientlosen"


class FakeOidc:
    def __init__(self, email: str = "anna@kommun.example"):
        self.email = email
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.codes: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeOidc:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def metadata(self) -> dict:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

    def _id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "sub": f"sub-{self.email}", "aud": CLIENT_ID, "iat": now, "exp": now + 600,
                  "email": self.email, "email_verified": True, "name": self.email.split("@")[0].title()}
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(provider.metadata())
                elif url.path == "/jwks":
                    self._json({"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/authorize" and query.get("client_id") == CLIENT_ID:
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {"nonce": query.get("nonce"), "redirect_uri": query["redirect_uri"]}
                    self.send_response(302)
                    self.send_header("Location", f"{query['redirect_uri']}?"
                                     + urlencode({"code": code, "state": query.get("state", "")}))
                    self.end_headers()
                else:
                    self._json({"error": "invalid_request"}, 400)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                client = (form.get("client_id"), form.get("client_secret"))
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):
                    client = tuple(base64.b64decode(basic[6:]).decode().split(":", 1))
                issued = provider.codes.pop(form.get("code", ""), None)
                if urlparse(self.path).path != "/token" or client != (CLIENT_ID, CLIENT_SECRET) or issued is None \
                        or form.get("redirect_uri") != issued["redirect_uri"]:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                self._json({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 600,
                            "id_token": provider._id_token(issued["nonce"])})

        return Handler
