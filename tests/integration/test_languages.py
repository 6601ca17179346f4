"""Languages (issue 24): a page speaks its reader's choice, else their browser's, else English; a live update reaches
each open page in the page's own language; e-mails and the CLI speak theirs (tests of their own elsewhere)."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from app.live import presence
from app.live.topics import can_receive
from app.models import Role
from app.time_tracking import timers
from tests.factories import this_week
from tests.integration.notify_helpers import Pushes


def _in(app, code: str, message: str) -> str:
    with app.test_request_context(), force_locale(code):
        translated = _(message)
    assert code == "en" or translated != message, f"{message!r} has no {code} translation"
    return translated


def test_a_page_speaks_the_browser_s_language_until_the_person_chooses(app, client, factory):
    german = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    page = client.get("/login", headers=german).get_data(as_text=True)
    assert '<html lang="de"' in page and f"<h1>{_in(app, 'de', 'Sign in')}</h1>" in page
    page = client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en"' in page and "<h1>Sign in</h1>" in page  # a language we do not speak: English

    org = factory.organization()
    person = factory.user(org, Role.MEMBER, email="lea@example.com")
    client.post("/login", data={"email": person.email, "password": "password"}, headers=german)
    factory.db.session.refresh(person)
    assert person.browser_language == "de"  # remembered for the e-mails jobs write later
    person.language = "fr"  # their choice in Settings wins over the browser
    factory.db.session.commit()
    page = client.get("/time-logs", headers=german).get_data(as_text=True)
    assert '<html lang="fr"' in page and _in(app, "fr", "Sign out") in page


def test_a_live_update_reaches_each_page_in_its_language(app, db, factory, redis_conn):
    org = factory.organization()
    person = factory.user(org, Role.MEMBER)
    project = factory.project(org, name="Apollo")
    db.session.commit()
    topic = f"user:{person.id}"
    presence.mark_watched([topic, f"{topic}@de"])  # the person has the app open in English and in German
    pushes = Pushes(redis_conn)
    try:
        timers.start_timer(person, project)
        db.session.commit()
        messages = pushes.collect(until=_in(app, "de", "Stop"))
    finally:
        pushes.close()
    header = {tuple(m["topics"]): m["stream"] for m in messages if 'target="header-timer"' in m["stream"]}
    assert set(header) == {(topic,), (f"{topic}@de",)}  # one rendering per language watched, nobody else's
    assert ">Stop</button>" in header[(topic,)] and "Apollo" in header[(topic,)]
    assert f">{_in(app, 'de', 'Stop')}</button>" in header[(f"{topic}@de",)] and "Apollo" in header[(f"{topic}@de",)]


def test_nobody_watching_in_german_costs_no_german_rendering(app, db, factory, redis_conn):
    org = factory.organization()
    person = factory.user(org, Role.MEMBER)
    project = factory.project(org)
    db.session.commit()
    presence.mark_watched([f"user:{person.id}"])
    pushes = Pushes(redis_conn)
    try:
        timers.start_timer(person, project)
        db.session.commit()
        messages = pushes.collect(until='target="header-timer"')
    finally:
        pushes.close()
    assert [m["topics"] for m in messages if 'target="header-timer"' in m["stream"]] == [[f"user:{person.id}"]]


def test_a_language_variant_is_authorized_as_its_topic(app, db, factory):
    org = factory.organization()
    person, stranger = factory.user(org, Role.MEMBER), factory.user(factory.organization(), Role.MEMBER)
    db.session.commit()
    own = f"user:{person.id}"
    assert can_receive(person, own) and can_receive(person, f"{own}@de") and can_receive(person, f"{own}@es")
    assert not can_receive(stranger, f"{own}@de")  # a variant opens nothing its topic does not
    for spelled_otherwise in (f"{own}@en", f"{own}@it", f"{own}@", f"{own}@de@de", f"{own}@DE"):
        assert not can_receive(person, spelled_otherwise)  # nothing is ever published to these


def test_a_page_catching_up_reads_the_cached_dashboard_in_its_language(app, factory, run_jobs):
    """The sections are computed once and cached for readers of every language: a German page's catch-up writes their
    words, durations and days in German, an English page's in English, from the same cache entry."""
    from tests.integration.test_dashboard_pages import client_for

    w = factory.world()
    factory.time_log(w.owner, w.org_project, start=this_week(), minutes=185)  # the only time without a team
    key = f"dashboard:org:{w.org.id}"
    english = client_for(app, w.owner)
    english.get(f"/dashboard/org/{w.org.id}")
    run_jobs()
    german = client_for(app, w.owner)
    german.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    body = {code: c.get("/dashboard/sections", query_string={"key": key}).get_data(as_text=True)
            for code, c in (("en", english), ("de", german))}
    assert "Running timers" in body["en"] and "Running timers" not in body["de"]
    assert _in(app, "de", "Running timers") in body["de"]
    # the "No team" bar: our own label and its duration, from the same cached minutes
    assert "No team: 3h 05m" in body["en"]
    assert f"{_in(app, 'de', 'No team')}: 3 Std. 05 Min." in body["de"] and "3h 05m" not in body["de"]


def test_a_chart_writes_each_label_and_value_in_the_readers_language(app):
    """app.dashboards.charts.texts: what the chart partial writes of each column or bar, formatted once per rendering
    from the cached minutes and days (and, for entries cached before those, their English texts)."""
    from app.dashboards import charts

    days = charts.columns("Last 14 days", [("Mon", 185), ("Tue", 0)], days=("2026-12-07", "2026-12-08"))
    counts = charts.columns("Jobs", [("09:00", 3)], unit="count")
    bars = charts.bars("Hours by team", [("No team", 65), ("A very long team name indeed", 30)])
    older = {"type": "columns", "cols": [{"label": "Mon", "value": "3h 05m"}]}
    with app.test_request_context(), force_locale("de"):
        assert charts.texts(days) == [("07 Dez.", "07 Dez.", "3 Std. 05 Min."),
                                      ("08 Dez.", "08 Dez.", "0 Std. 00 Min.")]
        assert charts.texts(counts) == [("09:00", "09:00", "3")]
        assert charts.texts(bars)[1] == ("A very long team n…", "A very long team name indeed", "0 Std. 30 Min.")
        assert charts.texts(older) == [("Mon", "Mon", "3h 05m")]
    with app.test_request_context(), force_locale("en"):
        assert charts.texts(days)[0] == ("07 Dec", "07 Dec", "3h 05m")
        assert charts.texts(bars)[0] == ("No team", "No team", "1h 05m")
