"""Page tokens as a client holds them: opaque, signed with the deployment's key, refused when
edited or brought from another deployment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecopermit.domain.errors import InvalidArgumentError
from ecopermit.runtime.grpc.page_tokens import PageTokenSeal
from ecopermit.runtime.settings import Settings

ours = PageTokenSeal(b"k" * 32)


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1)
)
def test_a_sealed_token_opens_to_what_was_sealed(token: str) -> None:
    assert ours.open(ours.seal(token)) == token


def test_the_last_page_has_no_token_to_seal() -> None:
    assert ours.seal("") == ""


def test_a_token_from_another_deployment_or_with_one_character_changed_is_refused() -> None:
    sealed = ours.seal("eyJ0IjogIjIwMjYifQ")
    theirs = PageTokenSeal(b"x" * 32).seal("eyJ0IjogIjIwMjYifQ")
    changed = ("A" if sealed[0] != "A" else "B") + sealed[1:]
    for foreign in (theirs, changed, "eyJ0IjogIjIwMjYifQ", "", "."):
        with pytest.raises(InvalidArgumentError) as refused:
            ours.open(foreign)
        assert refused.value.violations[0].field == "page_token"


@given(st.text(min_size=1))
def test_any_text_a_client_sends_as_a_token_is_refused_as_such_not_a_fault(sent: str) -> None:
    # Found by schemathesis: a non-ASCII signature made the comparison itself raise.
    with pytest.raises(InvalidArgumentError):
        ours.open(sent + ".é" if "." not in sent else sent)


def test_the_key_comes_from_settings_and_is_not_the_token_key_itself() -> None:
    configured = Settings(page_token_secret="page-key", token_secret="t" * 32)
    derived = Settings(token_secret="t" * 32)
    assert configured.page_token_key() != derived.page_token_key()
    assert derived.page_token_key() != b"t" * 32
    assert Settings(token_secret="t" * 32).page_token_key() == derived.page_token_key()


def test_replicas_outside_the_embedded_default_must_share_a_configured_key() -> None:
    alone = Settings(environment="production", token_algorithm="RS256", jwks_url="https://idp")
    with pytest.raises(ValueError, match="ECOPERMIT_PAGE_TOKEN_SECRET"):
        PageTokenSeal.from_settings(alone)
    shared = Settings(environment="production", page_token_secret="p" * 32)
    assert shared.page_token_key() == Settings(page_token_secret="p" * 32).page_token_key()
