"""The coordinators' side of the chat: /admin/chat — the queue, take (one wins, the other
409), reply, hand back, close, delete, and `flask chat purge`."""

from __future__ import annotations

import http.client
import re
import threading
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from locator.chat import hub
from locator.chat.models import Conversation, Message
from locator.extensions import db
from locator.mail.models import OutgoingMail
from tests.chat_helpers import JSON, parse, send, start_chat
from tests.volunteers_helpers import csrf_token, sign_in

OTHER = "second.coordinator@example.org"


@pytest.fixture
def app_config(app_config):
    app_config.update(CHAT_STREAM_SECONDS=3, CHAT_HEARTBEAT_SECONDS=0.2, CHAT_POLL_SECONDS=0.1)
    return app_config


@pytest.fixture(autouse=True)
def stop_broker(app):
    yield
    hub.close(app)


@pytest.fixture
def coordinator(coordinator_apart):
    return coordinator_apart


@pytest.fixture
def second(app, coordinator):
    return sign_in(app.test_client(), email=OTHER)


@pytest.fixture
def visitor(app):
    return app.test_client()


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def conversation_id(token: str) -> int:
    from locator.chat.models import token_hash

    db.session.expire_all()
    return db.session.scalar(
        select(Conversation.id).where(Conversation.token_hash == token_hash(token))
    )


def post(client, url: str, data: dict | None = None, page: str = "/admin/chat", **kwargs):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def take(client, cid: int, **kwargs):
    return post(client, f"/admin/chat/{cid}/take", **kwargs)


def test_the_queue_lists_the_waiting_with_their_waiting_time_as_text(coordinator, visitor, clock):
    token = start_chat(visitor, name="<script>alert(1)</script>", topic="housing")
    clock.moment += timedelta(minutes=7)
    page = coordinator.get("/admin/chat?lang=en")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    row = soup(page).find(attrs={"data-chat-waiting": str(conversation_id(token))})
    assert "<script>alert(1)</script>" in row.get_text()
    assert "7 min" in row.get_text() and "Housing" in row.get_text()
    assert soup(page).find("a", href="/admin/chat", attrs={"aria-current": "page"})  # in NAV
    fragment = coordinator.get("/admin/chat/queue?lang=en")
    assert fragment.status_code == 200 and "7 min" in fragment.get_data(as_text=True)


def test_take_then_reply_reaches_the_visitor(coordinator, visitor):
    post(coordinator, "/admin/chat/name", {"expert_name": "Ірина"})
    token = start_chat(visitor, name="Olena")
    send(visitor, f"/chat/{token}/messages", "My landlord wants me out")
    cid = conversation_id(token)
    taken = take(coordinator, cid)
    assert taken.status_code == 303 and taken.headers["Location"] == f"/admin/chat/{cid}"
    page = soup(coordinator.get(f"/admin/chat/{cid}?lang=en"))
    assert page.find(class_="chat-text").get_text() == "My landlord wants me out"
    assert page.find(class_="chat-who").get_text() == "Olena"
    reply = send(coordinator, f"/admin/chat/{cid}/messages", "Do you have a written lease?")
    assert reply.status_code == 201
    assert reply.get_json()["author"] == "expert" and reply.get_json()["name"] == "Ірина"
    body = visitor.get(f"/chat/{token}/messages?after=0&lang=en").get_json()
    assert body["status"] == "active"
    assert body["state"]["text"] == "Ірина is answering you."
    assert [(m["author"], m["text"]) for m in body["messages"]] == [
        ("visitor", "My landlord wants me out"),
        ("expert", "Do you have a written lease?"),
    ]
    as_form = send(coordinator, f"/admin/chat/{cid}/messages", "Plain form", as_json=False)
    assert as_form.status_code == 303


def test_a_second_coordinator_gets_409_and_cannot_answer(coordinator, second, visitor):
    cid = conversation_id(start_chat(visitor))
    assert take(coordinator, cid).status_code == 303
    late = take(second, cid, query_string={"lang": "en"})
    assert late.status_code == 409
    assert "Another coordinator has already taken this conversation" in late.get_data(as_text=True)
    as_json = take(second, cid, headers=JSON)
    assert as_json.status_code == 409 and as_json.get_json()["error"]["code"] == "taken"
    refused = send(second, f"/admin/chat/{cid}/messages", "me too")
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert db.session.scalar(select(Conversation.expert_name)) == ""
    page = soup(second.get(f"/admin/chat/{cid}"))
    assert page.find("form", attrs={"data-chat-form": True}) is None  # read only


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_two_coordinators_taking_at_the_same_instant_exactly_one_wins(
    app, coordinator, second, visitor, live_port
):
    ids = [conversation_id(start_chat(app.test_client())) for _ in range(8)]
    people = []
    for client in (coordinator, second):
        page = client.get("/admin/chat").get_data(as_text=True)
        people.append((session_cookie(client), csrf_token(page)))
    results: dict[int, list[int]] = {cid: [] for cid in ids}

    def press(cid: int, cookie: str, token: str, barrier: threading.Barrier) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", live_port, timeout=30)
        body = f"csrf_token={token}"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={cookie}",
        }
        barrier.wait()
        conn.request("POST", f"/admin/chat/{cid}/take", body=body, headers=headers)
        results[cid].append(conn.getresponse().status)
        conn.close()

    for cid in ids:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=press, args=(cid, cookie, token, barrier))
            for cookie, token in people
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert all(sorted(codes) == [303, 409] for codes in results.values()), results
    db.session.expire_all()
    experts = db.session.scalars(select(Conversation.expert_id).where(Conversation.id.in_(ids)))
    assert all(e is not None for e in experts)


def test_hand_back_puts_the_conversation_back_in_the_queue(coordinator, second, visitor):
    token = start_chat(visitor)
    cid = conversation_id(token)
    take(coordinator, cid)
    assert post(second, f"/admin/chat/{cid}/release").status_code == 303  # not theirs
    assert visitor.get(f"/chat/{token}/messages").get_json()["status"] == "active"
    released = post(coordinator, f"/admin/chat/{cid}/release")
    assert released.status_code == 303 and released.headers["Location"] == "/admin/chat"
    assert visitor.get(f"/chat/{token}/messages").get_json()["status"] == "waiting"
    assert take(second, cid).status_code == 303


def test_the_coordinator_closes_and_the_visitor_sees_it(coordinator, visitor):
    token = start_chat(visitor)
    cid = conversation_id(token)
    take(coordinator, cid)
    assert post(coordinator, f"/admin/chat/{cid}/close").status_code == 303
    body = visitor.get(f"/chat/{token}/messages?lang=en").get_json()
    assert body["status"] == "closed" and body["state"]["text"] == "The conversation is closed."
    assert send(visitor, f"/chat/{token}/messages", "hello?").status_code == 409
    transcript = coordinator.get(f"/admin/chat/{cid}/transcript.txt")
    assert transcript.status_code == 200 and transcript.mimetype == "text/plain"


def test_delete_at_the_visitors_request_removes_everything(app, coordinator, visitor):
    token = start_chat(visitor)
    send(visitor, f"/chat/{token}/messages", "please delete this")
    page = visitor.get(f"/chat/{token}").get_data(as_text=True)
    visitor.post(
        f"/chat/{token}/close",
        data={"csrf_token": csrf_token(page), "email": "olena@example.org"},
    )
    cid = conversation_id(token)
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 1
    assert post(coordinator, f"/admin/chat/{cid}/delete").status_code == 400  # not confirmed
    deleted = post(coordinator, f"/admin/chat/{cid}/delete", {"confirm": "yes"})
    assert deleted.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 0
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
    assert visitor.get(f"/chat/{token}").status_code == 404


def test_the_queue_stream_nudges_on_a_new_visitor(app, coordinator, visitor):
    response = coordinator.get("/admin/chat/events", buffered=False)
    assert response.mimetype == "text/event-stream"
    events = (e for chunk in response.response for e in parse(chunk.decode()))
    assert next(events).data == {"waiting": [], "active": []}
    token = start_chat(visitor)
    update = next(events)
    response.close()
    assert update.event == "queue" and update.data["waiting"] == [conversation_id(token)]


def test_the_coordinators_stream_carries_the_visitors_messages(coordinator, visitor):
    token = start_chat(visitor)
    cid = conversation_id(token)
    take(coordinator, cid)
    response = coordinator.get(f"/admin/chat/{cid}/events?lang=en", buffered=False)
    events = (e for chunk in response.response for e in parse(chunk.decode()))
    status = next(events)
    assert status.event == "status" and status.data["text"] == "You answer this conversation."
    sent = send(visitor, f"/chat/{token}/messages", "are you there?").get_json()
    message = next(events)
    response.close()
    assert (message.event, message.id, message.data) == ("message", sent["id"], sent)


@pytest.mark.parametrize(("days_ago", "kept"), [(29, True), (31, False)], ids=["recent", "expired"])
def test_purge_deletes_conversations_past_the_retention_period(
    app, runner, visitor, clock, days_ago, kept
):
    token = start_chat(visitor)
    send(visitor, f"/chat/{token}/messages", "old words")
    clock.moment += timedelta(days=days_ago)
    result = runner.invoke(args=["chat", "purge"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"Deleted {0 if kept else 1} conversation", result.output)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Message)) == (1 if kept else 0)
    assert (visitor.get(f"/chat/{token}").status_code == 200) is kept


def test_purge_reads_chat_retention_days_and_takes_days(app, runner, visitor, clock):
    start_chat(visitor)
    clock.moment += timedelta(days=3)
    app.config["CHAT_RETENTION_DAYS"] = 5
    assert "Deleted 0" in runner.invoke(args=["chat", "purge"]).output
    assert "Deleted 1" in runner.invoke(args=["chat", "purge", "--days", "2"]).output
