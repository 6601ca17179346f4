"""Sign-up, password reset and personal settings: e-mailed links (through the development outbox and a real RQ
job) that work once, no account enumeration, 422s that change nothing, sign-up off in production."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.models import User
from tests.conftest import login
from tests.mailbox import empty_outbox, links, outbox


@pytest.fixture()
def mails(app):
    folder = app.config["OUTBOX_DIR"]
    empty_outbox(folder)
    yield lambda: outbox(folder)
    empty_outbox(folder)


@pytest.fixture(scope="module")
def browsers():
    from app import create_app
    return create_app({"WTF_CSRF_ENABLED": False})


def _path(url: str) -> str:
    return urlsplit(url).path


def _page_text(response) -> str:
    return response.get_data(as_text=True)


def _sent(client, response):
    """The page a sign-up or reset request leads to: a 303 (Turbo shows no 200 answer to a form) to /check-email."""
    assert response.status_code == 303 and response.headers["Location"] == "/check-email"
    page = client.get("/check-email")
    assert page.status_code == 200 and "Check your email" in _page_text(page)
    return page


def _main(response) -> str:
    """The page's <main>: what it says (the head carries a per-response nonce)."""
    text = _page_text(response)
    return text[text.index("<main"):text.index("</main>")]


def test_sign_up_confirms_by_email_then_signs_in(client, db, mails, run_jobs):
    data = {"name": "Nina Newcomer", "email": "Nina@Example.com", "password": "a long passphrase",
            "time_zone": "Europe/Paris"}
    page = _sent(client, client.post("/signup", data=data))
    assert "nina@example.com" in _main(page) and "finish creating your account" in _main(page)
    assert db.session.scalar(select(User)) is None  # no account before the address is proved
    run_jobs(["mail"])
    (message,) = mails()
    assert message["To"] == "nina@example.com" and "Confirm" in message["Subject"]
    (link,) = links(message)
    response = client.get(_path(link))
    assert response.status_code == 303 and response.headers["Location"] == "/organizations/new"
    user = db.session.scalar(select(User))
    assert (user.email, user.name, user.time_zone) == ("nina@example.com", "Nina Newcomer", "Europe/Paris")
    assert user.check_password("a long passphrase")
    assert client.get("/organizations/new").status_code == 200  # signed in
    client.post("/logout")
    assert client.get(_path(link)).status_code == 410  # once


def test_the_check_email_page_shows_the_address_once(client, db, mails):
    """The address waits in the session for the page the 303 leads to, and no longer: opened again (or
    directly), /check-email goes to the sign-in page."""
    client.post("/password/forgot", data={"email": "someone@example.com"})
    assert "someone@example.com" in _main(client.get("/check-email"))
    again = client.get("/check-email")
    assert again.status_code == 302 and again.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert "check_email" not in session


def test_sign_up_with_a_known_address_answers_the_same_and_mails_its_owner(client, factory, mails, run_jobs, db):
    known = factory.user(email="taken@example.com")
    known_id = known.id
    fresh = _sent(client, client.post("/signup", data={"name": "A", "email": "fresh@example.com",
                                                        "password": "a long passphrase"}))
    taken = _sent(client, client.post("/signup", data={"name": "A", "email": "taken@example.com",
                                                        "password": "a long passphrase"}))
    assert _main(fresh).replace("fresh@", "X@") == _main(taken).replace("taken@", "X@")
    run_jobs(["mail"])
    subjects = {m["To"]: m["Subject"] for m in mails()}
    assert subjects == {"fresh@example.com": "Confirm your Timeboard account",
                        "taken@example.com": "You already have a Timeboard account"}
    assert db.session.get(User, known_id).check_password("password")  # untouched


@pytest.mark.parametrize("data, field", [
    ({"name": "A", "email": "not-an-address", "password": "a long passphrase"}, "email"),
    ({"name": "A", "email": "a@example.com", "password": "short"}, "password"),
    ({"name": "", "email": "a@example.com", "password": "a long passphrase"}, "name"),
])
def test_bad_sign_ups_are_422_inline(client, mails, run_jobs, data, field):
    response = client.post("/signup", data=data)
    assert response.status_code == 422 and 'class="error"' in _page_text(response)
    run_jobs(["mail"])
    assert mails() == []


def test_sign_up_is_rate_limited(client, mails):
    data = {"name": "A", "email": "a@example.com", "password": "a long passphrase"}
    statuses = [client.post("/signup", data=data).status_code for _ in range(6)]
    assert statuses == [303] * 5 + [429]


def test_sign_up_is_off_in_production(monkeypatch):
    from app import create_app
    from app.config import load_config
    monkeypatch.setenv("SECRET_KEY", "a production secret")
    monkeypatch.setenv("APP_URL", "https://timeboard.example")  # required in production too
    production = create_app({"APP_ENV": "production", "WTF_CSRF_ENABLED": False})
    assert production.config["ALLOW_SIGNUP"] is False
    client = production.test_client()
    assert client.get("/signup", base_url="https://localhost").status_code == 404
    assert client.post("/signup", base_url="https://localhost",
                       data={"name": "A", "email": "a@example.com", "password": "a long passphrase"}).status_code == 404
    assert "Sign up" not in client.get("/login", base_url="https://localhost").get_data(as_text=True)
    monkeypatch.setenv("ALLOW_SIGNUP", "1")
    assert load_config("/tmp", {"APP_ENV": "production"})["ALLOW_SIGNUP"] is True
    monkeypatch.delenv("ALLOW_SIGNUP")
    assert load_config("/tmp", {"APP_ENV": "development"})["ALLOW_SIGNUP"] is True


def test_password_reset_by_link_once_and_no_enumeration(client, factory, db, mails, run_jobs, browsers):
    user = factory.user(email="forgetful@example.com")
    user_id = user.id
    old_session = browsers.test_client()
    login(old_session, user)
    known = _sent(client, client.post("/password/forgot", data={"email": "forgetful@example.com"}))
    unknown = _sent(client, client.post("/password/forgot", data={"email": "nobody@example.com"}))
    assert "set a new password" in _main(known)
    assert _main(known).replace("forgetful@", "X@") == _main(unknown).replace("nobody@", "X@")
    run_jobs(["mail"])
    (message,) = mails()
    (link,) = links(message)
    assert client.post(_path(link), data={"password": "short"}).status_code == 422
    assert client.post(_path(link), data={"password": "a brand new passphrase"}).status_code == 303
    assert db.session.get(User, user_id).check_password("a brand new passphrase")
    assert old_session.get("/time-logs").status_code == 302  # every other session is signed out
    client.post("/logout")
    again = client.get(_path(link))
    assert again.status_code == 410 and "already used" in _page_text(again)
    assert client.get("/password/reset/garbage").status_code == 410


def test_settings_profile_and_time_zone(client, factory, db):
    user = factory.user()
    login(client, user)
    page = client.get("/settings")
    assert page.status_code == 200 and 'id="notification-preferences"' in _page_text(page)
    assert "America/New_York" in _page_text(page)  # the searchable list
    bad = client.post("/settings/profile", data={"profile-name": "New Name", "profile-time_zone": "Mars/Olympus"})
    assert bad.status_code == 422 and "Choose a time zone" in _page_text(bad)
    db.session.refresh(user)
    assert user.time_zone == "UTC"
    ok = client.post("/settings/profile", data={"profile-name": "New Name", "profile-time_zone": "Asia/Tokyo"})
    assert ok.status_code == 303
    db.session.refresh(user)
    assert (user.name, user.time_zone) == ("New Name", "Asia/Tokyo")


def test_password_change_needs_the_current_one_and_signs_out_elsewhere(factory, db, browsers):
    user = factory.user()
    user_id = user.id
    here, elsewhere = browsers.test_client(), browsers.test_client()
    login(here, user)
    login(elsewhere, user)
    wrong = here.post("/settings/password", data={"password-current_password": "nope",
                                                  "password-new_password": "a brand new passphrase"})
    assert wrong.status_code == 422 and "current password is not right" in _page_text(wrong)
    assert db.session.get(User, user_id).check_password("password")
    ok = here.post("/settings/password", data={"password-current_password": "password",
                                               "password-new_password": "a brand new passphrase"})
    assert ok.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user_id).check_password("a brand new passphrase")
    assert here.get("/settings").status_code == 200  # this session goes on
    assert elsewhere.get("/settings").status_code == 302  # the other is signed out


def test_email_change_is_confirmed_by_a_link_to_the_new_address(client, factory, db, mails, run_jobs):
    user = factory.user(email="old@example.com")
    user_id = user.id
    login(client, user)
    wrong = client.post("/settings/email", data={"email-email": "new@example.com", "email-current_password": "x"})
    assert wrong.status_code == 422
    bad = client.post("/settings/email", data={"email-email": "nope", "email-current_password": "password"})
    assert bad.status_code == 422
    ok = client.post("/settings/email", data={"email-email": "New@Example.com", "email-current_password": "password"})
    assert ok.status_code == 303
    client.post("/logout")
    run_jobs(["mail"])
    (message,) = mails()
    assert message["To"] == "new@example.com"
    assert db.session.get(User, user_id).email == "old@example.com"  # not before the link
    (link,) = links(message)
    assert client.get(_path(link)).status_code == 303
    assert db.session.get(User, user_id).email == "new@example.com"
    assert client.get(_path(link)).status_code == 410


def test_the_mail_test_command_writes_to_the_outbox(app, mails):
    result = app.test_cli_runner().invoke(args=["mail", "test", "someone@example.com"])
    assert result.exit_code == 0, result.output
    (message,) = mails()
    assert message["To"] == "someone@example.com"
    bad = app.test_cli_runner().invoke(args=["mail", "test", "not an address"])
    assert bad.exit_code == 2 and "Invalid value for ADDRESS" in bad.output
    assert len(mails()) == 1


def test_a_newcomer_signs_up_builds_an_organization_and_a_team_with_a_colleague(browsers, db, mails, run_jobs):
    """The issue's "done when", through the pages: sign up, create an organization, invite a second person
    (the e-mail lands in the outbox), who accepts in another browser; a team of both, whose dashboard each sees."""
    from app.models import Organization, Team
    newcomer, colleague = browsers.test_client(), browsers.test_client()
    newcomer.post("/signup", data={"name": "Nora", "email": "nora@example.com", "password": "a long passphrase"})
    run_jobs(["mail"])
    (confirm,) = links(mails()[-1])
    assert newcomer.get(_path(confirm)).status_code == 303
    assert newcomer.post("/organizations/new", data={"name": "Nora's studio"}).status_code == 303
    org_id = db.session.scalar(select(Organization.id))
    assert newcomer.post(f"/organizations/{org_id}/invitations",
                         data={"email": "carl@example.com", "role": "manager"}).status_code == 303
    run_jobs(["mail"])
    (invitation,) = links([m for m in mails() if m["To"] == "carl@example.com"][0])
    assert colleague.post(_path(invitation), data={"name": "Carl", "password": "another passphrase"}).status_code == 303
    assert newcomer.post(f"/organizations/{org_id}/teams", data={"name": "Studio"}).status_code == 303
    team_id = db.session.scalar(select(Team.id))
    for email in ("nora@example.com", "carl@example.com"):
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        assert newcomer.post(f"/teams/{team_id}/members", data={"user_id": user_id}).status_code == 303
    for browser in (newcomer, colleague):
        assert browser.get(f"/dashboard/team/{team_id}").status_code == 200


def test_a_mail_jobs_arguments_never_show_its_link(client, factory, db, mails, run_jobs):
    from app.models import JobStatus
    factory.user(email="forgetful@example.com")
    client.post("/password/forgot", data={"email": "forgetful@example.com"})
    client.post("/signup", data={"name": "A", "email": "fresh@example.com", "password": "a long passphrase"})
    run_jobs(["mail"])
    assert len(mails()) == 2
    statuses = db.session.scalars(select(JobStatus)).all()
    assert {s.kind for s in statuses} == {"password_reset_mail", "signup_mail"}
    reset = next(s for s in statuses if s.kind == "password_reset_mail")
    assert reset.args_summary == "'forgetful@example.com'"
    for status in statuses:
        shown = f"{status.args_summary} {status.result_summary}"
        assert "http" not in shown and "/reset/" not in shown and "/confirm/" not in shown, shown


def test_the_appearance_is_a_setting_per_person_on_every_page(client, factory):
    """Light or dark (issue 24): "system" leaves the page to the device's prefers-color-scheme (no data-theme);
    a choice is kept, a value that is not one is an inline 422, and a form without the field leaves it alone."""
    w = factory.world()
    login(client, w.member)
    assert "data-theme" not in client.get("/time-logs").get_data(as_text=True).split(">", 2)[1]
    profile = {"profile-name": "Mo", "profile-time_zone": "UTC"}
    bad = client.post("/settings/profile", data={**profile, "profile-theme": "purple"})
    assert bad.status_code == 422 and "Not a valid choice." in bad.get_data(as_text=True)
    assert client.post("/settings/profile", data={**profile, "profile-theme": "dark"}).status_code == 303
    assert '<html lang="en" data-theme="dark">' in client.get("/time-logs").get_data(as_text=True)
    assert client.post("/settings/profile", data=profile).status_code == 303  # an older form: unchanged
    factory.db.session.refresh(w.member)
    assert w.member.theme == "dark"
    assert client.post("/settings/profile", data={**profile, "profile-theme": "system"}).status_code == 303
    assert '<html lang="en">' in client.get("/time-logs").get_data(as_text=True)
