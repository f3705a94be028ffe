"""The visitor's side of the live chat: /chat, /chat/<token> and its messages, events,
close and transcript — through the test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, text

from locator.chat import hub
from locator.chat.models import Conversation, Message
from locator.extensions import db
from locator.mail.models import OutgoingMail
from tests.chat_helpers import JSON, parse, read_stream, send, start_chat
from tests.volunteers_helpers import csrf_token, send_queued_mail


@pytest.fixture
def app_config(app_config):
    app_config.update(CHAT_STREAM_SECONDS=3, CHAT_HEARTBEAT_SECONDS=0.2, CHAT_POLL_SECONDS=0.1)
    return app_config


@pytest.fixture(autouse=True)
def stop_broker(app):
    yield
    hub.close(app)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def message_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Message))


# --- starting -------------------------------------------------------------------------


def test_during_the_hours_chat_asks_only_for_an_optional_name_and_topic(client):
    page = soup(client.get("/chat?lang=en"))
    form = page.find("form", action="/chat")
    fields = {f["name"] for f in form.find_all(["input", "select", "textarea"]) if f.get("name")}
    assert fields == {"csrf_token", "name", "topic", "website_url"}
    assert not form.find(attrs={"name": "name"}).has_attr("required")
    assert page.find("button", string="Start a chat")


def test_the_help_block_and_ask_page_offer_the_chat_while_it_is_open(client, clock):
    for path in ("/?lang=en", "/ask?lang=en"):
        links = soup(client.get(path)).find_all("a", href="/chat")
        assert any(a.get_text(strip=True) == "Start a chat" for a in links), path
    clock.set(2026, 11, 25, 13, 30)  # lunch
    for path in ("/?lang=en", "/ask?lang=en"):
        assert not soup(client.get(path)).find_all("a", href="/chat"), path


@pytest.mark.parametrize("moment", [(2026, 11, 25, 13, 30), (2026, 11, 25, 22, 0)])
def test_outside_the_hours_chat_says_when_it_opens_and_a_post_starts_nothing(client, clock, moment):
    clock.set(*moment)
    response = client.get("/chat?lang=en")
    page = soup(response)
    assert "The online consultation is closed now." in page.get_text()
    assert "Opens at 14:00." in page.get_text() or "Opens on Thursday at 10:00." in page.get_text()
    assert page.find("a", href="/ask")
    assert page.find("form", action="/chat") is None
    token = csrf_token(client.get("/ask").get_data(as_text=True))
    refused = client.post("/chat?lang=en", data={"name": "Olena", "csrf_token": token})
    assert refused.status_code == 409
    assert "no conversation was started" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_start_redirects_to_an_unguessable_token_and_keeps_only_its_hash(client):
    token = start_chat(client, name="Олена", topic="housing")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 random bits
    conversation = db.session.scalar(select(Conversation))
    assert conversation.status == "waiting" and conversation.name == "Олена"
    assert conversation.topic == "housing"
    assert token not in repr(db.session.execute(text("SELECT * FROM chat_conversation")).all())
    other = start_chat(client)
    assert other != token


def test_the_start_form_refuses_a_name_too_long_and_an_unknown_topic(client):
    page = client.get("/chat?lang=en").get_data(as_text=True)
    response = client.post(
        "/chat?lang=en",
        data={"name": "x" * 81, "topic": "astrology", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 400
    assert "Please correct the highlighted fields." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_starting_needs_the_csrf_token(client):
    assert client.post("/chat", data={"name": "x"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_no_address_or_location_is_stored(client):
    token = start_chat(client, name="Olena", environ_base={"REMOTE_ADDR": "203.0.113.77"})
    send(client, f"/chat/{token}/messages", "hello", environ_base={"REMOTE_ADDR": "203.0.113.77"})
    rows = db.session.execute(text("SELECT * FROM chat_conversation")).all()
    rows += db.session.execute(text("SELECT * FROM chat_message")).all()
    assert "203.0.113" not in repr(rows)


# --- the conversation page ---------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,
        "short",
        "x" * 300,
        "%00" + "A" * 40,
        "' OR 1=1 --" + "A" * 32,
    ],
)
def test_an_unknown_or_guessed_token_is_404_everywhere(client, token):
    assert client.get(f"/chat/{token}").status_code == 404
    assert client.get(f"/chat/{token}/messages", headers=JSON).status_code == 404
    assert client.get(f"/chat/{token}/events").status_code == 404
    assert client.get(f"/chat/{token}/transcript.txt").status_code == 404
    page = client.get("/chat").get_data(as_text=True)
    post = client.post(
        f"/chat/{token}/messages", data={"text": "hi", "csrf_token": csrf_token(page)}
    )
    assert post.status_code == 404
    assert (
        client.post(f"/chat/{token}/close", data={"csrf_token": csrf_token(page)}).status_code
        == 404
    )


def test_without_javascript_a_message_is_posted_and_the_page_lists_it_as_text(client):
    token = start_chat(client, name="Olena")
    response = send(
        client, f"/chat/{token}/messages", "<b>My landlord</b>\nwants me out", as_json=False
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/chat/{token}")
    page = client.get(f"/chat/{token}?lang=en")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "&lt;b&gt;My landlord&lt;/b&gt;" in html and "<b>My landlord" not in html
    item = soup(page).find("li", class_="chat-message")
    assert item.find(class_="chat-who").get_text() == "You"
    assert item.find(class_="chat-text").get_text() == "<b>My landlord</b>\nwants me out"
    log = soup(page).find(attrs={"role": "log"})
    assert log["aria-live"] == "polite"
    assert soup(page).find("a", attrs={"data-chat-refresh": True})  # JS off: reload for news


def test_a_json_post_answers_201_with_the_message(client):
    token = start_chat(client, name="Olena")
    response = send(client, f"/chat/{token}/messages", "  Hello  ")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "author", "name", "text", "at"}
    assert body["author"] == "visitor" and body["name"] == "Olena" and body["text"] == "Hello"
    assert body["at"].endswith("+00:00")


def test_a_json_post_takes_the_csrf_token_from_the_header_and_refuses_without_it(client):
    token = start_chat(client)
    page = client.get(f"/chat/{token}").get_data(as_text=True)
    ok = client.post(
        f"/chat/{token}/messages",
        json={"text": "from fetch"},
        headers={**JSON, "X-CSRFToken": csrf_token(page)},
    )
    assert ok.status_code == 201 and ok.get_json()["text"] == "from fetch"
    refused = client.post(f"/chat/{token}/messages", json={"text": "no token"}, headers=JSON)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf"
    assert message_count() == 1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Write a message first."),
        ("   \n ", "Write a message first."),
        ("x" * 2001, "at most 2000 characters; yours has 2001"),
        ("bad\x00byte", "cannot be sent (NUL)"),
    ],
)
def test_empty_oversized_or_nul_messages_get_a_clear_message_and_nothing_is_stored(
    client, text, words
):
    token = start_chat(client)
    as_json = send(client, f"/chat/{token}/messages?lang=en", text)
    assert as_json.status_code == 400
    assert words in as_json.get_json()["error"]["message"]
    as_form = send(client, f"/chat/{token}/messages?lang=en", text, as_json=False)
    assert as_form.status_code == 400
    error = soup(as_form).find(id="text-error") or soup(as_form).find(attrs={"role": "alert"})
    assert words in error.get_text()
    assert message_count() == 0
    assert send(client, f"/chat/{token}/messages", "y" * 2000).status_code == 201


def test_the_same_form_sent_twice_stores_one_message(client):
    token = start_chat(client)
    first = send(client, f"/chat/{token}/messages", "once", key="k" * 32)
    again = send(client, f"/chat/{token}/messages", "once", key="k" * 32)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert message_count() == 1


def test_messages_after_gives_the_spec_shape_and_only_newer_messages(client):
    token = start_chat(client, name="Olena")
    ids = [send(client, f"/chat/{token}/messages", f"m{i}").get_json()["id"] for i in range(3)]
    body = client.get(f"/chat/{token}/messages?after=0").get_json()
    assert body["status"] == "waiting"
    assert [m["text"] for m in body["messages"]] == ["m0", "m1", "m2"]
    assert all(set(m) == {"id", "author", "name", "text", "at"} for m in body["messages"])
    newer = client.get(f"/chat/{token}/messages?after={ids[1]}").get_json()
    assert [m["id"] for m in newer["messages"]] == [ids[2]]
    for bad in ("abc", "-1", "1e3", "9" * 30):
        response = client.get(f"/chat/{token}/messages?after={bad}")
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "invalid_after"


def test_the_queue_position_is_shown_and_follows_the_queue(app, client, clock):
    tokens = [start_chat(app.test_client()) for _ in range(2)]
    mine = start_chat(client)
    page = soup(client.get(f"/chat/{mine}?lang=en"))
    assert "2 people before you" in page.find(attrs={"data-chat-state": True}).get_text()
    state = client.get(f"/chat/{mine}/messages?lang=en").get_json()["state"]
    assert state["ahead"] == 2 and state["status"] == "waiting"
    first = db.session.scalar(select(Conversation).order_by(Conversation.id))
    first.status = "closed"
    db.session.commit()
    state = client.get(f"/chat/{mine}/messages?lang=en").get_json()["state"]
    assert state["ahead"] == 1 and "1 person before you" in state["text"]
    assert tokens


def test_the_page_is_in_ukrainian_by_default(client):
    token = start_chat(client)
    page = soup(client.get(f"/chat/{token}")).get_text()
    assert "Онлайн-консультація" in page
    assert "Надіслати" in page


# --- events ---------------------------------------------------------------------------


def test_events_send_each_message_with_its_id_then_the_status(client):
    token = start_chat(client, name="Olena")
    first = send(client, f"/chat/{token}/messages", "one").get_json()
    response = client.get(f"/chat/{token}/events?lang=en", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    events = read_stream(response, lambda e: e.event == "status")
    assert [(e.event, e.id) for e in events] == [("message", first["id"]), ("status", None)]
    assert events[0].data == first
    assert events[1].data["status"] == "waiting"
    assert "You are next" in events[1].data["text"] or "you are next" in events[1].data["text"]


def test_reconnecting_with_last_event_id_resumes_after_it_and_nothing_comes_twice(client):
    token = start_chat(client)
    first = send(client, f"/chat/{token}/messages", "before the drop").get_json()
    seen = read_stream(
        client.get(f"/chat/{token}/events", buffered=False), lambda e: e.event == "status"
    )
    assert [e.id for e in seen if e.event == "message"] == [first["id"]]
    # The connection dropped; meanwhile a message is sent.
    second = send(client, f"/chat/{token}/messages", "while away").get_json()
    again = read_stream(
        client.get(
            f"/chat/{token}/events?after=0",  # the URL the page opened first…
            headers={"Last-Event-ID": str(first["id"])},  # …and what the browser resends
            buffered=False,
        ),
        lambda e: e.event == "status",
    )
    assert [(e.id, e.data["text"]) for e in again if e.event == "message"] == [
        (second["id"], "while away")
    ]


def test_a_stream_gets_messages_sent_while_it_is_open(app, client):
    token = start_chat(client)
    response = client.get(f"/chat/{token}/events", buffered=False)
    events = stream_events(response)
    assert next(e for e in events if e.event == "status").data["status"] == "waiting"
    other = app.test_client()  # the same visitor on a second device
    sent = send(other, f"/chat/{token}/messages", "live").get_json()
    got = next(e for e in events if e.event == "message")
    response.close()
    assert (got.id, got.data["text"]) == (sent["id"], "live")


def stream_events(response):
    """The events of a streamed response, read in this thread as they come."""
    for chunk in response.response:
        yield from parse(chunk.decode() if isinstance(chunk, bytes) else chunk)


def test_the_stream_holds_no_database_connection_while_it_waits(client):
    token = start_chat(client)
    response = client.get(f"/chat/{token}/events", buffered=False)
    next(e for e in stream_events(response) if e.event == "status")
    db.session.remove()  # the test's own session
    # The stream is waiting now. The process's poller (a thread of its own) reads the
    # conversations now and then and may hold a connection for that moment: a connection
    # the stream kept would never come back, so wait for the pool to empty.
    deadline = time.monotonic() + 10
    while db.engine.pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert db.engine.pool.checkedout() == 0
    response.close()


def test_a_closed_conversation_ends_the_stream_and_a_reconnect_gets_204(client):
    token = start_chat(client)
    page = client.get(f"/chat/{token}").get_data(as_text=True)
    assert (
        client.post(f"/chat/{token}/close", data={"csrf_token": csrf_token(page)}).status_code
        == 303
    )
    assert client.get(f"/chat/{token}/events").status_code == 204


def test_past_its_stream_slots_a_process_answers_503_and_the_page_can_poll(app, client):
    app.config["CHAT_STREAMS_PER_PROCESS"] = 1
    hub.close(app)
    token = start_chat(client)
    first = client.get(f"/chat/{token}/events", buffered=False)
    second = client.get(f"/chat/{token}/events")
    assert second.status_code == 503 and second.headers["Retry-After"]
    first.close()
    third = client.get(f"/chat/{token}/events", buffered=False)
    assert third.status_code == 200  # the slot came back when the first stream closed
    third.close()


# --- close, transcript ----------------------------------------------------------------


def test_the_visitor_closes_and_downloads_the_transcript(client):
    token = start_chat(client, name="Olena")
    send(client, f"/chat/{token}/messages", "Line one\nline two")
    page = client.get(f"/chat/{token}").get_data(as_text=True)
    closed = client.post(f"/chat/{token}/close", data={"csrf_token": csrf_token(page)})
    assert closed.status_code == 303 and closed.headers["Location"] == f"/chat/{token}"
    after = soup(client.get(f"/chat/{token}?lang=en"))
    assert "The conversation is closed." in after.find(attrs={"data-chat-state": True}).get_text()
    assert after.find("form", attrs={"data-chat-form": True}) is None
    refused = send(client, f"/chat/{token}/messages?lang=en", "too late")
    assert refused.status_code == 409
    assert "closed" in refused.get_json()["error"]["message"]
    transcript = client.get(f"/chat/{token}/transcript.txt?lang=en")
    assert transcript.mimetype == "text/plain"
    assert transcript.headers["Content-Disposition"].startswith("attachment;")
    body = transcript.get_data(as_text=True)
    assert "Olena:\nLine one\nline two" in body
    assert client.get("/api/v1/chat/status").get_json()["waiting"] == 0


def test_the_transcript_is_e_mailed_through_the_mail_queue(app, client, smtp_server):
    app.config.update(smtp_server.config)
    token = start_chat(client, name="Olena")
    send(client, f"/chat/{token}/messages", "Мій орендодавець")
    page = client.get(f"/chat/{token}").get_data(as_text=True)
    response = client.post(
        f"/chat/{token}/close",
        data={"csrf_token": csrf_token(page), "email": "olena@example.org"},
    )
    assert response.status_code == 303
    assert smtp_server.messages == []  # the request only queued it; the mail sender sends
    send_queued_mail(app)
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "olena@example.org"
    assert "Мій орендодавець" in message.get_body(("plain",)).get_content()
    mail = db.session.scalar(select(OutgoingMail))
    assert mail.status == "sent"
    rows = db.session.execute(text("SELECT * FROM chat_conversation")).all()
    assert "olena@example.org" not in repr(rows)  # the address only lives in the mail queue


def test_a_bad_e_mail_address_on_close_is_refused_with_a_message(client):
    token = start_chat(client)
    page = client.get(f"/chat/{token}").get_data(as_text=True)
    response = client.post(
        f"/chat/{token}/close?lang=en",
        data={"csrf_token": csrf_token(page), "email": "not an address"},
    )
    assert response.status_code == 400
    assert "name@example.org" in response.get_data(as_text=True)
    assert db.session.scalar(select(Conversation.status)) == "waiting"
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


# --- limits and the status API ------------------------------------------------------------


def test_messages_are_rate_limited_per_conversation(client):
    token = start_chat(client)
    page = client.get(f"/chat/{token}").get_data(as_text=True)
    codes = [
        client.post(
            f"/chat/{token}/messages",
            data={"text": f"m{i}", "csrf_token": csrf_token(page)},
            headers=JSON,
        ).status_code
        for i in range(22)
    ]
    assert codes[:20] == [201] * 20 and codes[20:] == [429, 429]
    assert message_count() == 20


def test_starting_is_rate_limited_per_address(client):
    for _ in range(10):
        start_chat(client)
    page = client.get("/chat").get_data(as_text=True)
    assert client.post("/chat", data={"csrf_token": csrf_token(page)}).status_code == 429


def test_the_status_api_counts_the_waiting(app, client):
    assert client.get("/api/v1/chat/status").get_json()["waiting"] == 0
    start_chat(client)
    start_chat(app.test_client())
    assert client.get("/api/v1/chat/status").get_json()["waiting"] == 2
