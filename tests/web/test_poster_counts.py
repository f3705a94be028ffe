"""Download counting: per language, size and personalised or not; shown to coordinators only."""

import threading

import pytest
from sqlalchemy import inspect

from locator.extensions import db
from locator.posters.models import PosterDownload
from locator.posters.services import count_download, download_counts


@pytest.fixture(autouse=True)
def _close_connections(app):
    """Close this test's pooled connections now: left to the garbage collector, psycopg
    warns in whichever later test happens to collect them."""
    yield
    db.session.remove()
    db.engine.dispose()


def counts() -> dict[tuple[str, str, bool], int]:
    db.session.expire_all()
    return {(r.lang, r.size, r.personalised): r.count for r in download_counts(db.session)}


def test_downloads_are_counted_by_language_size_and_personalised(client, make_office):
    make_office(slug="podil", lat=50.46, lon=30.51)
    for query in (
        "lang=uk&size=A4",
        "lang=uk&size=A4",
        "lang=en&size=A3&near=Київ",
        "lang=uk&size=A4&office=podil",
        "lang=uk&size=A4&lat=50.45&lon=30.52",
    ):
        assert client.get(f"/poster.pdf?{query}").status_code == 200
    assert counts() == {("uk", "A4", False): 2, ("en", "A3", True): 1, ("uk", "A4", True): 2}


def test_revalidated_download_counts_but_previews_and_errors_do_not(client, make_office):
    make_office()
    first = client.get("/poster.pdf?lang=en")
    again = client.get("/poster.pdf?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    client.get("/poster/preview.png?language=en")
    client.get("/poster.pdf?lang=en&size=B1")
    client.get("/poster.pdf?lang=en&near=Qwxzqwxz")
    assert counts() == {("en", "A4", False): 2}


def test_counter_keeps_nothing_about_people(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns(PosterDownload.__tablename__)}
    assert columns == {"id", "lang", "size", "personalised", "count"}


def test_concurrent_downloads_are_all_counted(app):
    """Eight servers' worth of threads hitting a missing row at once: no lost update,
    no duplicate row, no error (on SQLite and, with LOCATOR_TEST_DB=postgresql, PostgreSQL)."""
    threads, per_thread, errors = 8, 15, []
    start = threading.Barrier(threads)

    def work():
        try:
            with app.app_context():
                start.wait()
                for _ in range(per_thread):
                    count_download(db.session, lang="uk", size="A3", personalised=True)
                db.session.remove()
        except Exception as exc:  # reported below, with the thread's error
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert counts() == {("uk", "A3", True): threads * per_thread}


def test_coordinators_see_the_counts(client, coordinator):
    client.get("/poster.pdf?lang=uk&size=A3")
    client.get("/poster.pdf?lang=uk&size=A3")
    page = client.get("/admin/posters", headers={"Accept-Language": "uk"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Завантаження плакатів" in html
    assert "<td>Українська</td><td>A3</td><td>загальний</td><td>2</td>" in html
    assert 'href="/admin/posters"' in html  # in the coordinators' navigation


def test_coordinators_page_before_any_download(client, coordinator):
    html = client.get("/admin/posters", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No poster has been downloaded yet." in html


def test_strangers_are_sent_to_sign_in(client):
    response = client.get("/admin/posters")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
