"""Bearer tokens: what is minted verifies, and every forged or stale token is refused."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.settings import Settings
from ecopermit.runtime.tokens import InvalidTokenError, TokenIssuer, TokenVerifier
from tests.conftest import ENTERPRISE_BIN


def test_a_minted_token_verifies_to_the_same_principal(settings: Settings) -> None:
    applicant = Principal(subject="aliya", role=Role.APPLICANT, enterprise_bin=ENTERPRISE_BIN)
    token = TokenIssuer.from_settings(settings).mint(applicant)
    assert TokenVerifier(settings).verify(token) == applicant


def test_every_local_process_shares_the_embedded_key(settings: Settings) -> None:
    key_file = settings.data_dir / "token.key"
    token = TokenIssuer.from_settings(settings).mint(Principal("r1", Role.REVIEWER))
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o077 == 0, "the key must be readable by its owner only"
    assert TokenVerifier(settings.model_copy()).verify(token).role is Role.REVIEWER


def test_an_expired_token_is_refused(settings: Settings) -> None:
    token = TokenIssuer.from_settings(settings).mint(Principal("r1", Role.REVIEWER), ttl_seconds=1)
    issued = jwt.decode(token, options={"verify_signature": False})
    # Re-sign the same claims as if issued two minutes ago: past the 30 s leeway.
    stale = {**issued, "iat": issued["iat"] - 120, "exp": issued["exp"] - 120}
    expired = jwt.encode(stale, settings.local_token_secret(), algorithm="HS256")
    with pytest.raises(InvalidTokenError, match="expired"):
        TokenVerifier(settings).verify(expired)


def test_a_tampered_token_is_refused(settings: Settings) -> None:
    token = TokenIssuer.from_settings(settings).mint(Principal("r1", Role.REVIEWER))
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "decision_maker"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidTokenError, match="InvalidSignatureError"):
        TokenVerifier(settings).verify(f"{header}.{forged}.{signature}")


def test_a_token_signed_with_another_key_is_refused(settings: Settings) -> None:
    claims = {"sub": "x", "role": "ops", "iss": "ecopermit", "aud": "ecopermit"}
    now = int(time.time())
    foreign = jwt.encode({**claims, "iat": now, "exp": now + 60}, "not-our-key" * 4, "HS256")
    with pytest.raises(InvalidTokenError):
        TokenVerifier(settings).verify(foreign)


def test_rotating_the_key_refuses_no_one_and_retires_the_old_key(settings: Settings) -> None:
    """The three steps of deploy/k8s/README.md, "Rotate the token key", with old and new keys."""
    old, new = "old-key-" + "o" * 40, "new-key-" + "n" * 40
    reviewer = Principal("r1", Role.REVIEWER)

    def step(secret: str, verify_only: str = "") -> tuple[TokenIssuer, TokenVerifier]:
        configured = settings.model_copy(
            update={
                "token_secret": SecretStr(secret),
                "token_verify_only_secret": SecretStr(verify_only),
            }
        )
        return TokenIssuer.from_settings(configured), TokenVerifier(configured)

    before, _ = step(old)
    old_token = before.mint(reviewer)
    # 1. Every process learns the new key while still signing with the old one.
    _, learning = step(old, verify_only=new)
    # 2. Processes sign with the new key and still accept the old one.
    switched, accepting = step(new, verify_only=old)
    new_token = switched.mint(reviewer)
    assert learning.verify(old_token) == learning.verify(new_token) == reviewer
    assert accepting.verify(old_token) == accepting.verify(new_token) == reviewer
    # 3. Once the old tokens have expired, the old key goes.
    _, retired = step(new)
    assert retired.verify(new_token) == reviewer
    with pytest.raises(InvalidTokenError, match="InvalidSignatureError"):
        retired.verify(old_token)
    # The verify-only key never signs: step 2's tokens carry the new key's signature.
    jwt.decode(switched.mint(reviewer), new, algorithms=["HS256"], audience=settings.token_audience)


def test_an_unsigned_token_is_refused(settings: Settings) -> None:
    now = int(time.time())
    claims = {"sub": "x", "role": "ops", "iss": "ecopermit", "aud": "ecopermit"}
    unsigned = jwt.encode({**claims, "iat": now, "exp": now + 60}, "", algorithm="none")
    with pytest.raises(InvalidTokenError):
        TokenVerifier(settings).verify(unsigned)


@pytest.mark.parametrize(
    ("role", "enterprise_bin", "problem"),
    [
        ("superuser", None, "unknown role"),
        ("applicant", None, "valid enterprise BIN"),
        ("applicant", "990340000124", "valid enterprise BIN"),
        ("reviewer", ENTERPRISE_BIN, "only applicant tokens"),
    ],
)
def test_a_token_for_an_impossible_principal_is_refused(
    settings: Settings, role: str, enterprise_bin: str | None, problem: str
) -> None:
    now = int(time.time())
    claims = {"sub": "x", "role": role, "iss": "ecopermit", "aud": "ecopermit"}
    if enterprise_bin:
        claims["bin"] = enterprise_bin
    signed = jwt.encode(
        {**claims, "iat": now, "exp": now + 60}, settings.local_token_secret(), "HS256"
    )
    with pytest.raises(InvalidTokenError, match=problem):
        TokenVerifier(settings).verify(signed)


def test_minting_refuses_an_applicant_without_its_enterprise(settings: Settings) -> None:
    with pytest.raises(ValueError, match="BIN"):
        TokenIssuer.from_settings(settings).mint(Principal("a", Role.APPLICANT))


def test_rs256_tokens_verify_with_the_public_key_only(settings: Settings) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    signing = Settings(
        token_algorithm="RS256", token_private_key=private_pem, token_public_key=public_pem
    )
    verifying = Settings(token_algorithm="RS256", token_public_key=public_pem)
    token = TokenIssuer.from_settings(signing).mint(Principal("dm", Role.DECISION_MAKER))
    assert TokenVerifier(verifying).verify(token).role is Role.DECISION_MAKER
    # An HS256 token signed with the public key text must not pass as RS256 (key confusion).
    confused = jwt.encode(
        {"sub": "x", "role": "ops", "iss": "ecopermit", "aud": "ecopermit", "iat": 0, "exp": 2**31},
        "an-hmac-key-long-enough-for-hs256-but-not-ours",
        "HS256",
    )
    with pytest.raises(InvalidTokenError):
        TokenVerifier(verifying).verify(confused)


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    fetches = 0

    def do_GET(self) -> None:
        type(self).fetches += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, type[_JwksHandler], rsa.RSAPrivateKey]]:
    """An identity provider's JWKS endpoint on loopback, publishing one RSA key, kid "k1"."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    published = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig"}]}).encode()
    # A subclass per test, so the fetch count starts at zero.
    handler: type[_JwksHandler] = type("Handler", (_JwksHandler,), {"body": published})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", handler, key
    server.shutdown()


def test_rs256_tokens_verify_against_a_jwks_and_unknown_keys_cannot_flood_it(
    jwks_server: tuple[str, type[_JwksHandler], rsa.RSAPrivateKey],
) -> None:
    url, handler, key = jwks_server
    verifier = TokenVerifier(Settings(token_algorithm="RS256", jwks_url=url))
    assert verifier.needs_network
    now = int(time.time())
    claims: dict[str, object] = {"sub": "dm", "role": "decision_maker", "iat": now}
    claims |= {"iss": "ecopermit", "aud": "ecopermit", "exp": now + 60}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    assert verifier.verify(token).role is Role.DECISION_MAKER
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for attempt in range(5):
        forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": f"x{attempt}"})
        with pytest.raises(InvalidTokenError):
            verifier.verify(forged)
    # One fetch for the key set, at most one refresh for the unknown ids within the cooldown.
    assert handler.fetches <= 2
