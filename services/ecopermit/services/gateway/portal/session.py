"""Who is signed in to the portal, and the CSRF check on every form.

The bearer token lives in an HttpOnly, SameSite=Strict cookie, never in a URL or a page. Forms
carry a CSRF token that must equal the one in its own cookie (double submit): a page on another
site can make the browser send the cookies, but cannot read them to fill the form.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from ecopermit.runtime.identity import Principal
from ecopermit.runtime.tokens import InvalidTokenError, TokenVerifier

SESSION_COOKIE = "ecopermit_session"
CSRF_COOKIE = "ecopermit_csrf"
CSRF_FIELD = "csrf_token"


class CsrfError(Exception):
    """A form came without the CSRF token of this browser."""


def signed_in(request: Request, verifier: TokenVerifier) -> tuple[Principal, str] | None:
    """The principal and token of the session, if its token is still valid."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return verifier.verify(token), token
    except InvalidTokenError:
        return None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: the cookie's, or a new one to set with the response."""
    return request.cookies.get(CSRF_COOKIE) or new_csrf_token()


def check_csrf(request: Request, submitted: object) -> None:
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not isinstance(submitted, str):
        raise CsrfError("missing CSRF token")
    if not hmac.compare_digest(expected, submitted):
        raise CsrfError("CSRF token does not match")


def remember(response: Response, token: str, max_age: int, *, secure: bool) -> None:
    """Keeps the session's token. Secure is off only on the embedded stack's plain HTTP."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def keep_csrf(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
    )


def forget(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
