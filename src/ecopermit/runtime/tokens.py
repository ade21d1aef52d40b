"""Bearer tokens (JWT): minting dev tokens and verifying every request's token."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from ecopermit.domain.business_id import has_check_digit
from ecopermit.domain.roles import STAFF_ROLES
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.settings import Settings, TokenAlgorithm
from ecopermit.type.v1 import kazakhstan_pb2

# Tokens issued a little in the future by a peer with a skewed clock are still accepted.
_CLOCK_LEEWAY_SECONDS = 30
_JWKS_LIFESPAN_SECONDS = 300
_JWKS_TIMEOUT_SECONDS = 5
_JWKS_REFRESH_COOLDOWN_SECONDS = 30


class InvalidTokenError(Exception):
    """The token is missing, malformed, expired, tampered with or names no valid principal.

    The message is safe to return to the caller: it never repeats the token.
    """


@dataclass(frozen=True)
class TokenIssuer:
    """Signs tokens: the embedded default's dev sign-in and `ecopermit token`."""

    algorithm: TokenAlgorithm
    signing_key: str
    issuer: str
    audience: str
    ttl_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenIssuer:
        if settings.token_algorithm is TokenAlgorithm.RS256:
            key = settings.token_private_key.get_secret_value()
            if not key:
                raise ValueError("minting RS256 tokens needs ECOPERMIT_TOKEN_PRIVATE_KEY")
        else:
            key = settings.local_token_secret()
        return cls(
            algorithm=settings.token_algorithm,
            signing_key=key,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            ttl_seconds=settings.token_ttl_seconds,
        )

    def mint(self, principal: Principal, *, ttl_seconds: int | None = None) -> str:
        _check_principal(principal)
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": principal.subject,
            "role": principal.role.value,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + (self.ttl_seconds if ttl_seconds is None else ttl_seconds),
            "jti": uuid.uuid4().hex,
        }
        if principal.enterprise_bin is not None:
            claims["bin"] = principal.enterprise_bin
        if principal.iin is not None:
            claims["iin"] = principal.iin
        if principal.region is not None:
            claims["region"] = principal.region
        return jwt.encode(claims, self.signing_key, algorithm=self.algorithm.value)


class TokenVerifier:
    """Verifies signature, expiry, issuer and audience, then reads the principal."""

    def __init__(self, settings: Settings) -> None:
        self._algorithm = settings.token_algorithm
        self._issuer = settings.token_issuer
        self._audience = settings.token_audience
        self._jwks = (
            # A token with an unknown key id refreshes the key set at most once per cooldown,
            # so callers cannot make every request fetch from the identity provider.
            jwt.PyJWKClient(
                settings.jwks_url,
                lifespan=_JWKS_LIFESPAN_SECONDS,
                timeout=_JWKS_TIMEOUT_SECONDS,
                cooldown_duration=_JWKS_REFRESH_COOLDOWN_SECONDS,
            )
            if settings.jwks_url
            else None
        )
        if settings.token_algorithm is TokenAlgorithm.RS256:
            self._keys: tuple[str, ...] = (settings.token_public_key,)
        else:
            rotating = settings.token_verify_only_secret.get_secret_value()
            self._keys = (settings.local_token_secret(), *([rotating] if rotating else []))

    @property
    def needs_network(self) -> bool:
        """True when verification may fetch a JWKS, so async callers run it in a thread."""
        return self._jwks is not None

    def verify(self, token: str) -> Principal:
        try:
            keys: tuple[Any, ...] = self._keys
            if self._jwks is not None:
                keys = (self._jwks.get_signing_key_from_jwt(token).key,)
            claims = self._decode(token, keys)
        except jwt.ExpiredSignatureError as error:
            raise InvalidTokenError("token expired") from error
        except jwt.PyJWTError as error:
            raise InvalidTokenError(f"invalid token: {type(error).__name__}") from error
        return _principal_from_claims(claims)

    def _decode(self, token: str, keys: tuple[Any, ...]) -> dict[str, Any]:
        """The claims under the first key whose signature matches; the last key's error if none."""
        *earlier, last = keys
        for key in earlier:
            try:
                return self._decode_with(token, key)
            except jwt.InvalidSignatureError:
                continue
        return self._decode_with(token, last)

    def _decode_with(self, token: str, key: Any) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[self._algorithm.value],
            issuer=self._issuer,
            audience=self._audience,
            leeway=_CLOCK_LEEWAY_SECONDS,
            options={"require": ["sub", "role", "exp", "iat", "iss", "aud"]},
        )
        return claims


def _principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(claims["role"])
    except ValueError as error:
        raise InvalidTokenError("token names an unknown role") from error
    subject = claims["sub"]
    enterprise_bin = claims.get("bin")
    iin = claims.get("iin")
    region = claims.get("region")
    if not isinstance(subject, str) or any(
        value is not None and not isinstance(value, str) for value in (enterprise_bin, iin, region)
    ):
        raise InvalidTokenError("token claims have the wrong types")
    principal = Principal(
        subject=subject, role=role, enterprise_bin=enterprise_bin, iin=iin, region=region
    )
    try:
        _check_principal(principal)
    except ValueError as error:
        raise InvalidTokenError(str(error)) from error
    return principal


def _check_principal(principal: Principal) -> None:
    if not principal.subject or len(principal.subject) > 200:
        raise ValueError("the subject must be 1 to 200 characters")
    if principal.role is Role.APPLICANT:
        # The check digit only: an enterprise registered before the structure was checked keeps
        # its sign-in; new registrations meet the whole rule (bin.structure in the contract).
        if principal.enterprise_bin is None or not has_check_digit(principal.enterprise_bin):
            raise ValueError("an applicant token must carry a valid enterprise BIN")
    elif principal.enterprise_bin is not None:
        raise ValueError("only applicant tokens carry an enterprise BIN")
    if principal.region is not None:
        if principal.role not in STAFF_ROLES:
            raise ValueError("only the Committee's staff tokens carry a region")
        if principal.region not in kazakhstan_pb2.Region.keys()[1:]:
            raise ValueError(f"no region {principal.region!r}")
    if principal.iin is not None and not has_check_digit(principal.iin):
        raise ValueError("an IIN is 12 digits, the last a check digit")
