"""Single sign-on with OpenID Connect, driven for real: the test client posts the "Sign in with ..." button, follows
the redirect to the test provider (a real process, tests/oidc_provider.py) over HTTP, allows there as a person
would, and comes back to the callback, where the app exchanges the code and verifies the ID token over HTTP too.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, Invitation, Membership, SSOIdentity, User
from tests.conftest import login
from tests.mailbox import empty_outbox, links, outbox
from tests.sso import TestProvider, local


@pytest.fixture(scope="module")
def provider():
    started = TestProvider()
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _fresh_provider(provider):
    provider.reset()


@pytest.fixture(scope="module")
def make_app(provider):
    """Apps of this module's configurations, one per set of overrides (each holds its providers' clients)."""
    from app import create_app
    built = {}

    def make(**overrides):
        overrides.setdefault("OIDC_PROVIDERS", [provider.config()])
        key = repr(sorted(overrides.items()))
        if key not in built:
            built[key] = create_app({"WTF_CSRF_ENABLED": False, **overrides})
        return built[key]

    return make


@pytest.fixture()
def web(make_app, db):
    """A browser on the app with one provider, "Acme ID", and sign-up on."""
    return make_app(ALLOW_SIGNUP=True).test_client()


@pytest.fixture()
def mails(app):
    folder = app.config["OUTBOX_DIR"]
    empty_outbox(folder)
    yield lambda: outbox(folder)
    empty_outbox(folder)


def go_to_provider(client, start: str = "/login/sso/acme", **data):
    response = client.post(start, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def sso(client, provider: TestProvider, sub: str, start: str = "/login/sso/acme", action: str = "allow", **data):
    """Post the button, allow at the provider as `sub`, come back: the callback's answer."""
    back = provider.authorize(go_to_provider(client, start, **data), sub, action)
    return client.get(local(back))


def flashed(client) -> str:
    """The page /login shows next (with its flash messages)."""
    return client.get("/login").get_data(as_text=True)


def signed_in_as(client) -> str | None:
    response = client.get("/settings")
    if response.status_code != 200:
        return None
    text = response.get_data(as_text=True)
    start = text.index("Now <strong>") + len("Now <strong>")
    return text[start:text.index("</strong>", start)]


def identities(db) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(i.provider, i.subject, i.user.email) for i in db.session.scalars(select(SSOIdentity))]


def actions(db, user_email: str) -> list[str]:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == user_email))
    return [e.action for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id))]


# -- the flow itself --------------------------------------------------------------------------------
def test_a_new_person_signs_up_with_the_provider_through_pkce_state_and_nonce(web, provider, db):
    provider.person("sub-nina", email="Nina@Example.com", email_verified=True, name="Nina Newcomer",
                    zoneinfo="Europe/Paris")
    response = sso(web, provider, "sub-nina")
    assert response.status_code == 303 and response.headers["Location"] == "/organizations/new"
    user = db.session.scalar(select(User).where(User.email == "nina@example.com"))
    assert (user.name, user.time_zone, user.has_password) == ("Nina Newcomer", "Europe/Paris", False)
    assert identities(db) == [("acme", "sub-nina", "nina@example.com")]
    assert signed_in_as(web) == "nina@example.com"
    assert actions(db, "nina@example.com") == ["sso.link", "sso.sign_in"]
    (authorization,) = provider.requests_seen("authorize")[-1:]
    assert authorization["code_challenge_method"] == "S256" and len(authorization["code_challenge"]) == 43
    assert len(authorization["nonce"]) >= 20 and len(authorization["state"]) >= 20
    assert authorization["scope"] == "openid email profile"
    (token,) = provider.requests_seen("token")
    assert len(token["code_verifier"]) >= 43 and token["grant_type"] == "authorization_code"


def test_a_linked_identity_signs_in_and_lands_on_next(web, provider, factory, db):
    user = factory.user(email="lee@example.com")
    db.session.add(SSOIdentity(user_id=user.id, provider="acme", subject="sub-lee", email="lee@example.com"))
    db.session.commit()
    provider.person("sub-lee", email="lee@example.com", email_verified=True)
    response = sso(web, provider, "sub-lee", start="/login/sso/acme?next=/time-logs")
    assert response.status_code == 303 and response.headers["Location"] == "/time-logs"
    assert signed_in_as(web) == "lee@example.com"
    assert actions(db, "lee@example.com") == ["sso.sign_in"]


def test_an_account_with_two_factor_sign_in_still_gives_its_code_after_the_provider(web, provider, factory, db):
    """The provider proves the identity; the account's own second factor is still asked, then `next` is kept."""
    import time

    import pyotp

    from app.accounts import two_factor
    user = factory.user(email="kai@example.com")
    two_factor.enable(user, pyotp.TOTP(two_factor.secret_for_enrolment(user)).now())
    db.session.add(SSOIdentity(user_id=user.id, provider="acme", subject="sub-kai", email="kai@example.com"))
    db.session.commit()
    provider.person("sub-kai", email="kai@example.com", email_verified=True)
    response = sso(web, provider, "sub-kai", start="/login/sso/acme?next=/time-logs")
    assert response.status_code == 303 and response.headers["Location"] == "/login/two-factor"
    assert signed_in_as(web) is None
    code = pyotp.TOTP(user.totp_secret).at(time.time() + 30)  # enabling spent the current step's code
    answer = web.post("/login/two-factor", data={"code": code})
    assert answer.status_code == 303 and answer.headers["Location"] == "/time-logs"
    assert signed_in_as(web) == "kai@example.com"


def test_an_address_changed_at_the_provider_does_not_move_the_account(web, provider, factory, db):
    """The link is (provider, subject): the provider now says the subject is another account's address."""
    first = factory.user(email="first@example.com")
    factory.user(email="second@example.com")
    db.session.add(SSOIdentity(user_id=first.id, provider="acme", subject="sub-1", email="first@example.com"))
    db.session.commit()
    provider.person("sub-1", email="second@example.com", email_verified=True)
    response = sso(web, provider, "sub-1")
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    assert signed_in_as(web) == "first@example.com"
    assert identities(db) == [("acme", "sub-1", "first@example.com")]
    db.session.expire_all()
    assert db.session.scalar(select(SSOIdentity)).email == "second@example.com"  # what it said, for settings only


def test_the_email_may_come_from_userinfo_when_the_id_token_has_none(web, provider, db):
    provider.person("sub-ui", email="ui@example.com", email_verified=True, name="Una Info")
    provider.next_id_token(email_in_userinfo_only=True)
    response = sso(web, provider, "sub-ui")
    assert response.status_code == 303 and response.headers["Location"] == "/organizations/new"
    assert identities(db) == [("acme", "sub-ui", "ui@example.com")]


def test_claims_with_control_characters_never_reach_the_database(web, provider, db):
    """PostgreSQL refuses NUL: a name loses its control characters; an address with one is no address."""
    provider.person("sub-nul", email="nul@example.com", email_verified=True, name="Nu\x00la\tNull")
    assert sso(web, provider, "sub-nul").headers["Location"] == "/organizations/new"
    assert db.session.scalar(select(User.name).where(User.email == "nul@example.com")) == "NulaNull"
    web.post("/logout")
    provider.person("sub-nul2", email="nul2@exam\x00ple.com", email_verified=True)
    response = sso(web, provider, "sub-nul2")
    assert response.status_code == 303 and "did not share the e-mail address" in flashed(web)
    assert identities(db) == [("acme", "sub-nul", "nul@example.com")]


# -- who may get a new account ------------------------------------------------------------------------
def test_no_new_account_when_sign_up_is_off_and_nobody_invited_the_address(make_app, provider, db):
    web = make_app(ALLOW_SIGNUP=False).test_client()
    provider.person("sub-x", email="stranger@example.com", email_verified=True)
    response = sso(web, provider, "sub-x")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert "No Timeboard account uses stranger@example.com" in flashed(web)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0 and identities(db) == []
    assert signed_in_as(web) is None


def test_a_pending_invitation_allows_the_account_and_its_page_accepts_it(make_app, provider, factory, db):
    web = make_app(ALLOW_SIGNUP=False).test_client()
    world = factory.world()
    db.session.add(Invitation(organization_id=world.org.id, email="invited@example.com", role="member",
                              invited_by_id=world.owner.id))
    db.session.commit()
    provider.person("sub-inv", email="invited@example.com", email_verified=True, name="Ivy Invited")
    response = sso(web, provider, "sub-inv")
    assert response.status_code == 303 and response.headers["Location"].startswith("/invitations/accept/")
    page = web.get(response.headers["Location"])
    assert page.status_code == 200 and "Accept and join" in page.get_data(as_text=True)
    assert web.post(response.headers["Location"]).status_code == 303
    user = db.session.scalar(select(User).where(User.email == "invited@example.com"))
    assert db.session.scalar(select(Membership).where(Membership.user_id == user.id)).organization_id == world.org.id


def test_accept_with_the_provider_from_the_invitation_page(make_app, provider, factory, db):
    from app.organizations import invitations
    app = make_app(ALLOW_SIGNUP=False)
    web = app.test_client()
    world = factory.world()
    invitation = Invitation(organization_id=world.org.id, email="ada@example.com", role="member",
                            invited_by_id=world.owner.id)
    db.session.add(invitation)
    db.session.commit()
    with app.test_request_context():
        path = local(invitations.link(db.session.get(Invitation, invitation.id)))
    page = web.get(path).get_data(as_text=True)
    assert "Accept with Acme ID" in page and f'action="/login/sso/acme?next={path}"' in page
    provider.person("sub-ada", email="ada@example.com", email_verified=True, name="Ada")
    response = sso(web, provider, "sub-ada", start=f"/login/sso/acme?next={path}")
    assert response.status_code == 303 and response.headers["Location"] == path
    assert web.post(path).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organization_id == world.org.id, Membership.user_id == select(User.id).where(
            User.email == "ada@example.com").scalar_subquery())) == 1


# -- an existing account: linked only once confirmed --------------------------------------------------
def test_an_existing_account_is_linked_only_once_its_password_is_given(web, provider, factory, db):
    factory.user(email="owner@example.com")
    provider.person("sub-own", email="OWNER@example.com", email_verified=True)
    response = sso(web, provider, "sub-own", start="/login/sso/acme?next=/time-logs")
    assert response.status_code == 303 and response.headers["Location"] == "/login/sso/confirm"
    assert signed_in_as(web) is None and identities(db) == []  # nothing yet
    page = web.get("/login/sso/confirm")
    assert page.status_code == 200 and "owner@example.com" in page.get_data(as_text=True)
    wrong = web.post("/login/sso/confirm", data={"password": "not it"})
    assert wrong.status_code == 422 and "This is not the password of that account." in wrong.get_data(as_text=True)
    assert signed_in_as(web) is None and identities(db) == []
    right = web.post("/login/sso/confirm", data={"password": "password"})
    assert right.status_code == 303 and right.headers["Location"] == "/time-logs"
    assert signed_in_as(web) == "owner@example.com"
    assert identities(db) == [("acme", "sub-own", "owner@example.com")]
    assert actions(db, "owner@example.com") == ["sso.link", "sso.sign_in"]
    assert web.post("/login/sso/confirm", data={"password": "password"}).status_code == 303  # used: back to /login
    web.post("/logout")
    again = sso(web, provider, "sub-own")  # from now on at once
    assert again.status_code == 303 and again.headers["Location"] == "/dashboard"
    assert signed_in_as(web) == "owner@example.com"


def test_an_existing_account_can_confirm_by_an_emailed_link_once(web, provider, factory, db, mails, run_jobs):
    factory.user(email="mailer@example.com", name="Max Mailer")
    provider.person("sub-mail", email="mailer@example.com", email_verified=True)
    assert sso(web, provider, "sub-mail").headers["Location"] == "/login/sso/confirm"
    response = web.post("/login/sso/confirm/email")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "We sent a link to mailer@example.com" in flashed(web)
    run_jobs(["mail", "notifications"])
    (message,) = [m for m in mails() if m["To"] == "mailer@example.com"]
    assert message["Subject"] == "Link Acme ID to your Timeboard account"
    (link,) = links(message)
    other_browser = web.application.test_client()  # the mailbox may be opened anywhere
    page = other_browser.get(local(link))
    assert page.status_code == 200 and "Link and sign in" in page.get_data(as_text=True)
    assert identities(db) == []  # a GET (a mail scanner's) links nothing
    done = other_browser.post(local(link))
    assert done.status_code == 303 and done.headers["Location"] == "/dashboard"
    assert signed_in_as(other_browser) == "mailer@example.com"
    assert identities(db) == [("acme", "sub-mail", "mailer@example.com")]
    assert other_browser.post(local(link)).status_code == 410
    run_jobs(["mail", "notifications"])
    assert any(m["Subject"] == "Acme ID was linked to your Timeboard account" for m in mails())


def test_an_unverified_address_is_never_linked_nor_used_for_an_account(web, provider, factory, db):
    factory.user(email="victim@example.com")
    for sub, claims in (("sub-u1", {"email": "victim@example.com", "email_verified": False}),
                        ("sub-u2", {"email": "victim@example.com"}),  # no claim at all
                        ("sub-u3", {"email": "victim@example.com", "email_verified": "false"}),
                        ("sub-u4", {"email": "newcomer@example.com", "email_verified": False})):
        provider.person(sub, **claims)
        response = sso(web, provider, sub)
        assert response.status_code == 303 and response.headers["Location"].startswith("/login"), sub
        assert "has not verified the e-mail address" in flashed(web)
        assert web.get("/login/sso/confirm").headers["Location"] == "/login"  # no pending link either
    assert identities(db) == [] and signed_in_as(web) is None
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_an_account_linked_to_another_identity_of_the_provider_is_not_offered_a_second(web, provider, factory, db):
    user = factory.user(email="two@example.com")
    db.session.add(SSOIdentity(user_id=user.id, provider="acme", subject="sub-first", email="two@example.com"))
    db.session.commit()
    provider.person("sub-second", email="two@example.com", email_verified=True)
    response = sso(web, provider, "sub-second")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert "is linked to another Acme ID account" in flashed(web)
    assert web.get("/login/sso/confirm").headers["Location"] == "/login"  # nothing to confirm
    assert identities(db) == [("acme", "sub-first", "two@example.com")]


# -- what the provider may get wrong, or an attacker may try ---------------------------------------------
def test_a_tampered_state_is_refused_and_the_code_never_exchanged(web, provider, db):
    provider.person("sub-s", email="s@example.com", email_verified=True)
    back = provider.authorize(go_to_provider(web), "sub-s")
    forged = back.replace("state=", "state=x")
    response = web.get(local(forged))
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert "was not started from this browser" in flashed(web)
    assert provider.requests_seen("token") == [] and signed_in_as(web) is None and identities(db) == []


def test_a_callback_from_another_browser_is_refused(web, make_app, provider, db):
    """Login CSRF: a code and state minted for someone else's flow, opened in this browser."""
    provider.person("sub-att", email="attacker@example.com", email_verified=True)
    attacker = make_app(ALLOW_SIGNUP=True).test_client()
    back = provider.authorize(go_to_provider(attacker), "sub-att")
    response = web.get(local(back))
    assert response.status_code == 303 and "was not started from this browser" in flashed(web)
    assert signed_in_as(web) is None and provider.requests_seen("token") == []


@pytest.mark.parametrize("knobs", [
    {"claims": {"nonce": "forged-nonce"}},
    {"sign_with": "rogue"},
    {"claims": {"aud": "someone-else"}},
    {"claims": {"iss": "http://127.0.0.1:1"}},
    {"claims": {"exp": 1_000_000_000}},  # expired long ago
], ids=["nonce", "signature", "audience", "issuer", "expired"])
def test_an_id_token_that_does_not_verify_is_refused(web, provider, db, knobs):
    provider.person("sub-t", email="t@example.com", email_verified=True)
    provider.next_id_token(**knobs)
    response = sso(web, provider, "sub-t")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert "could not be verified" in flashed(web)
    assert signed_in_as(web) is None and identities(db) == []
    assert len(provider.requests_seen("token")) == 1  # the exchange happened: the token was refused after it


def test_denied_at_the_provider_lands_on_login_with_a_message(web, provider, db):
    provider.person("sub-d", email="d@example.com", email_verified=True)
    response = sso(web, provider, "sub-d", action="deny")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert "You did not allow the sign-in with Acme ID" in flashed(web)


def test_a_provider_error_and_a_replayed_callback_land_on_login(web, provider, db):
    response = web.get("/login/sso/acme/callback?error=server_error&error_description=<b>call+us</b>")
    assert response.status_code == 303 and "Acme ID did not sign you in (it answered “server_error”)" in flashed(web)
    assert "call us" not in flashed(web)
    provider.person("sub-r", email="r@example.com", email_verified=True)
    back = provider.authorize(go_to_provider(web), "sub-r")
    assert web.get(local(back)).status_code == 303
    web.post("/logout")
    replay = web.get(local(back))  # the state was used: refused before the (single-use) code is tried again
    assert replay.status_code == 303 and replay.headers["Location"].startswith("/login")
    assert signed_in_as(web) is None


def test_an_unreachable_provider_and_a_wrong_issuer_are_messages_not_500s(make_app, provider, db):
    gone = make_app(OIDC_PROVIDERS=[{**provider.config(), "issuer": "http://127.0.0.1:9"}]).test_client()
    response = gone.post("/login/sso/acme")
    assert response.status_code == 303 and "Acme ID cannot be reached right now" in flashed(gone)
    provider.metadata(issuer="http://127.0.0.1:1")  # a document for another issuer
    fresh = make_app(OIDC_PROVIDERS=[provider.config()], LOGIN_RATE_LIMIT="11 per minute").test_client()
    response = fresh.post("/login/sso/acme")
    assert response.status_code == 303 and "not set up correctly" in flashed(fresh)
    assert provider.requests_seen("authorize") == []


def test_an_unknown_provider_is_a_404_and_starting_needs_a_post(web, db):
    assert web.post("/login/sso/nobody").status_code == 404
    assert web.get("/login/sso/nobody/callback").status_code == 404
    assert web.get("/login/sso/acme").status_code == 405


def test_starting_needs_the_csrf_token(provider, db):
    """With CSRF on (the default): no other site can start a sign-in or a link."""
    from app import create_app
    browser = create_app({"OIDC_PROVIDERS": [provider.config()]}).test_client()
    assert browser.post("/login/sso/acme").status_code == 400
    assert provider.requests_seen() == []
    page = browser.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = browser.post("/login/sso/acme", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith(provider.url + "/authorize?")


# -- the buttons -------------------------------------------------------------------------------------
def test_two_providers_show_two_buttons_and_the_policy_lets_forms_go_to_them(make_app, provider, db):
    second = {**provider.config("corp", "Corp SSO"), "issuer": "https://sso.corp.example"}
    app = make_app(OIDC_PROVIDERS=[provider.config(), second])
    response = app.test_client().get("/login?next=/reports")
    text = response.get_data(as_text=True)
    assert text.count('data-testid="sso-') == 3  # the block and its two buttons
    assert "Sign in with Acme ID" in text and "Sign in with Corp SSO" in text
    assert 'action="/login/sso/acme?next=/reports"' in text and 'action="/login/sso/corp?next=/reports"' in text
    policy = response.headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.url} https://sso.corp.example" in policy
    plain = make_app(OIDC_PROVIDERS=[]).test_client().get("/login")
    assert "sso-buttons" not in plain.get_data(as_text=True)
    assert "form-action 'self';" in plain.headers["Content-Security-Policy"] + ";"


# -- settings: link and unlink -------------------------------------------------------------------------
def test_link_from_settings_then_unlink(web, provider, factory, db, mails, run_jobs):
    world = factory.world()
    member, owner, org_id = world.member.email, world.owner.email, world.org.id
    login(web, world.member)
    provider.person("sub-m", email="member-elsewhere@example.com", email_verified=False)  # no e-mail match needed
    settings = web.get("/settings").get_data(as_text=True)
    assert "Sign-in providers" in settings and "Not linked" in settings
    response = sso(web, provider, "sub-m", start="/settings/sso/acme/link")
    assert response.status_code == 303 and response.headers["Location"] == "/settings#sso-settings"
    assert identities(db) == [("acme", "sub-m", member)]
    page = web.get("/settings").get_data(as_text=True)
    assert "You can now sign in with Acme ID." in page and "Linked as member-elsewhere@example.com" in page
    run_jobs(["mail", "notifications"])
    assert [m["Subject"] for m in mails() if m["To"] == member] == [
        "Acme ID was linked to your Timeboard account"]
    row_id = db.session.scalar(select(SSOIdentity.id))
    assert web.post(f"/settings/sso/{row_id}/unlink").status_code == 303
    assert identities(db) == [] and "Acme ID no longer signs you in." in web.get("/settings").get_data(as_text=True)
    assert actions(db, member)[-2:] == ["sso.link", "sso.unlink"]
    web.post("/logout")
    assert web.post("/login", data={"email": owner, "password": "password"}).status_code == 303
    audit = web.get(f"/organizations/{org_id}/audit").get_data(as_text=True)
    assert "sso.link" in audit and "sso.unlink" in audit  # the organization's owners see it


def test_an_identity_linked_to_another_account_cannot_be_linked_again(web, provider, factory, db):
    taken = factory.user(email="taken@example.com")
    db.session.add(SSOIdentity(user_id=taken.id, provider="acme", subject="sub-taken", email="taken@example.com"))
    db.session.commit()
    me = factory.user(email="me@example.com")
    login(web, me)
    provider.person("sub-taken", email="taken@example.com", email_verified=True)
    response = sso(web, provider, "sub-taken", start="/settings/sso/acme/link")
    assert response.status_code == 303
    assert "already linked to another Timeboard account" in web.get("/settings").get_data(as_text=True)
    assert identities(db) == [("acme", "sub-taken", "taken@example.com")]


def test_someone_without_a_password_cannot_unlink_their_only_way_in(web, provider, factory, db):
    provider.person("sub-only", email="only@example.com", email_verified=True)
    sso(web, provider, "sub-only")
    assert signed_in_as(web) == "only@example.com"
    page = web.get("/settings").get_data(as_text=True)
    assert "sso-unlink-acme" not in page and "Your only way in" in page and 'data-testid="set-password"' in page
    row_id = db.session.scalar(select(SSOIdentity.id))
    response = web.post(f"/settings/sso/{row_id}/unlink")
    assert response.status_code == 303
    assert "is the only way into your account" in web.get("/settings").get_data(as_text=True)
    assert identities(db) == [("acme", "sub-only", "only@example.com")]
    other = SSOIdentity(user_id=factory.user(email="other@example.com").id, provider="acme", subject="sub-other")
    db.session.add(other)
    db.session.commit()
    assert web.post(f"/settings/sso/{other.id}/unlink").status_code == 404  # another account's: not ours to touch


def test_pending_links_expire(web, provider, factory, db, redis_conn):
    factory.user(email="slow@example.com")
    provider.person("sub-slow", email="slow@example.com", email_verified=True)
    assert sso(web, provider, "sub-slow").headers["Location"] == "/login/sso/confirm"
    (key,) = redis_conn.keys("timeboard:sso:pending:*")
    assert 3500 < redis_conn.ttl(key) <= 3600
    redis_conn.delete(key)  # as its hour has run out
    response = web.post("/login/sso/confirm", data={"password": "password"})
    assert response.status_code == 303 and "waited too long" in flashed(web)
    assert identities(db) == [] and signed_in_as(web) is None


def test_every_sso_form_answers_303_or_a_page_that_says_why(web, provider, factory, db):
    """The sign-in provider routes are left out of test_form_answers (they need a provider): here each POST route is
    submitted signed out and signed in, empty and with junk, and never answers 200 or 500 (Turbo shows no 200)."""
    from flask import url_for

    from tests.integration.test_form_answers import INLINE_ERROR, REFUSALS, SAYS_WHY

    member = factory.user(email="mo@example.com")
    identity = SSOIdentity(user_id=member.id, provider="acme", subject="sub-mo", email=member.email)
    db.session.add(identity)
    db.session.commit()
    app = web.application
    endpoints = sorted(r.endpoint for r in app.url_map.iter_rules()
                       if "POST" in r.methods and r.endpoint.startswith("sso."))
    assert len(endpoints) >= 5, endpoints
    arguments = {"name": "acme", "identity_id": identity.id, "token": "not-a-token"}
    for signed_in in (False, True):
        if signed_in:
            login(web, member)
        for endpoint in endpoints:
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            with app.test_request_context():
                path = url_for(endpoint, **{k: v for k, v in arguments.items() if k in rule.arguments})
            for data in ({}, {"password": "\u2028 <b>junk</b>", "next": "//evil.example"}):
                response = web.post(path, data=data)
                what = f"{endpoint} ({'signed in' if signed_in else 'signed out'}, {data or 'empty'})"
                assert response.status_code == 303 or response.status_code in REFUSALS, what
                if response.status_code != 303:
                    text = response.get_data(as_text=True)
                    assert INLINE_ERROR.search(text) or SAYS_WHY.search(text), what
