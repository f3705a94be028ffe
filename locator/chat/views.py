"""The visitor's side: `/chat` and `/chat/<token>…` (SPEC).

The token in the address is the visitor's only key. Pages work without JavaScript (a plain
form; reloading shows new messages); with it, `static/js/chat.js` posts for JSON and
follows `/events`, catching up through `messages?after=` when the stream is away."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound

from locator import clock
from locator.chat import hub, services
from locator.chat import mail as chat_mail
from locator.chat.forms import CloseForm, MessageForm, StartForm, message_error
from locator.chat.live import QUEUE, conversation_topic
from locator.chat.models import Conversation, as_utc, token_hash
from locator.chat.stream import EventStream, Snapshot
from locator.errors import json_error
from locator.extensions import db, limiter
from locator.i18n import page_lang
from locator.templating import chat_status_now

bp = Blueprint("chat", __name__)

# Per address (a household or an office may share one), and per conversation.
START_LIMIT = "10 per hour"
POST_LIMIT_ADDRESS = "60 per minute"
POST_LIMIT_CHAT = "20 per minute"
READ_LIMIT_ADDRESS = "600 per minute"
READ_LIMIT_CHAT = "120 per minute"
CLOSE_LIMIT_CHAT = "10 per hour"
SESSION_KEY = "chat_token"
RETRY_MS = 2000


def token_key() -> str:
    """The rate-limit key of one conversation (its token's hash, never the token)."""
    return "chat:" + token_hash((request.view_args or {}).get("token", ""))[:24]


def wants_json() -> bool:
    """fetch() asks for JSON; a plain form post gets pages and redirects."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def status_text(state: services.State) -> str:
    """Where the visitor stands, in the current language."""
    if state.status == "closed":
        return _("The conversation is closed.")
    if state.status == "active":
        if state.expert:
            return _("%(name)s is answering you.", name=state.expert)
        return _("An expert of the network is answering you.")
    if state.ahead:
        place = ngettext("%(num)d person before you", "%(num)d people before you", state.ahead)
    else:
        place = _("you are next")
    if state.wait_minutes:
        wait = ngettext(
            "usually about %(num)d minute", "usually about %(num)d minutes", state.wait_minutes
        )
    else:
        wait = _("usually a few minutes")
    return _("Waiting for an expert: %(place)s, %(wait)s.", place=place, wait=wait)


def state_payload(state: services.State) -> dict:
    return {**state.as_dict(), "text": status_text(state)}


def after_cursor() -> int | None:
    """Where a reader resumes: Last-Event-ID (a reconnecting EventSource), else ?after=."""
    for value in (request.headers.get("Last-Event-ID", ""), request.args.get("after", "")):
        value = value.strip()
        if value:
            return int(value) if value.isdigit() and len(value) < 16 else None
    return 0


def event_response(topics: list[str], read, *, after: int, state_event: str = "status") -> Response:
    """`text/event-stream` for one page; 503 when this process has no stream slot left."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    broker = hub.broker(app)
    if not broker.slots.acquire(blocking=False):
        response = json_error(503, "busy", _("Too many open chats on this server; retrying."))
        response.headers["Retry-After"] = "10"
        return response
    try:
        subscription = broker.subscribe(topics)
    except BaseException:
        broker.slots.release()
        raise
    config = app.config
    body = EventStream(
        app,
        subscription,
        broker.slots,
        read,
        after=after,
        lang=page_lang(),
        state_event=state_event,
        max_seconds=float(config["CHAT_STREAM_SECONDS"]),
        heartbeat=float(config["CHAT_HEARTBEAT_SECONDS"]),
        retry_ms=RETRY_MS,
    )
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _invalid_after() -> Response:
    return json_error(400, "invalid_after", _("“after” must be a message number."))


def messages_json(conversation: Conversation, state: Callable[[], dict]) -> Response:
    """`…/messages?after=` (visitor's and coordinator's): the messages after the cursor, and
    the conversation's state as this reader sees it."""
    after = after_cursor()
    if after is None:
        return _invalid_after()
    found = services.messages_after(db.session, conversation.id, after)
    return jsonify(
        {
            "status": conversation.status,
            "messages": [services.message_dict(m) for m in found],
            "state": state(),
        }
    )


def conversation_events(conversation: Conversation, topics: list[str], read) -> Response:
    """`…/events` (visitor's and coordinator's): the stream from the cursor on."""
    after = after_cursor()
    if after is None:
        return _invalid_after()
    if conversation.status == "closed" and not services.messages_after(
        db.session, conversation.id, after
    ):
        # Nothing more will come: an EventSource stops reconnecting on 204.
        return Response(status=204)
    return event_response(topics, read, after=after)


def conversation_snapshot(conversation_id: int, after: int) -> Snapshot:
    """Run by the stream in its own short app context."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:  # deleted meanwhile
        gone = services.State("closed", 0, "", None)
        return Snapshot([], state_payload(gone), final=True)
    messages = services.messages_after(db.session, conversation_id, after)
    state = services.state(db.session, conversation, clock.now())
    return Snapshot(
        [services.message_dict(m) for m in messages],
        state_payload(state),
        final=state.status == "closed",
    )


def _conversation(token: str) -> Conversation:
    conversation = services.by_token(db.session, token)
    if conversation is None:
        raise NotFound
    return conversation


@bp.app_template_filter("chat_iso")
def chat_iso(moment) -> str:
    return as_utc(moment).isoformat()


@bp.after_request
def private(response):
    """A conversation is nobody else's business: no caches, no search engines."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _current_token() -> str | None:
    """The conversation this browser started and has not closed, if any."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    conversation = services.by_token(db.session, token)
    if conversation is None or conversation.status == "closed":
        session.pop(SESSION_KEY, None)
        return None
    return token


@bp.route("/chat", methods=["GET", "POST"])
@limiter.limit(START_LIMIT, methods=["POST"])
def start():
    chat = chat_status_now()
    form = StartForm()
    context = {"form": form, "chat": chat, "current_token": _current_token()}
    if request.method == "POST":
        if not chat["open"]:  # outside the hours a POST starts nothing
            return render_template("chat/start.html", refused=True, **context), 409
        if form.validate_on_submit():
            if form.website_url.data:  # a bot filled in the hidden field
                return redirect(url_for("chat.start"), code=303)
            conversation, token = services.start(
                db.session,
                name=form.name.data or "",
                topic=form.topic.data or "",
                lang=page_lang(),
                now=clock.now(),
            )
            db.session.commit()
            hub.broker().publish(QUEUE, conversation_topic(conversation.id))
            session[SESSION_KEY] = token
            return redirect(url_for("chat.conversation", token=token), code=303)
        return render_template("chat/start.html", **context), 400
    return render_template("chat/start.html", **context)


def render_conversation(
    conversation: Conversation,
    token: str,
    *,
    form: MessageForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
):
    messages = services.messages_after(db.session, conversation.id)
    state = services.state(db.session, conversation, clock.now())
    html = render_template(
        "chat/conversation.html",
        conversation=conversation,
        token=token,
        messages=messages,
        state=state,
        state_text=status_text(state),
        form=form or MessageForm(formdata=None),
        close_form=close_form or CloseForm(formdata=None),
        chat=chat_status_now(),
        local_time=chat_mail.local_time,
    )
    return html, status


@bp.get("/chat/<token>")
def conversation(token: str):
    return render_conversation(_conversation(token), token)


def _refuse(conversation, token, message: str, status: int, code: str, form=None):
    if wants_json():
        return json_error(status, code, message)
    if form is None:
        form = MessageForm(formdata=None)
        form.text.errors = [message]
    return render_conversation(conversation, token, form=form, status=status)


@bp.post("/chat/<token>/messages")
@limiter.limit(POST_LIMIT_CHAT, key_func=token_key)
@limiter.limit(POST_LIMIT_ADDRESS)
def post_message(token: str):
    conversation = _conversation(token)
    form = MessageForm()
    if not form.validate_on_submit():
        message = next(iter(form.text.errors), None) or _("Write a message first.")
        return _refuse(conversation, token, str(message), 400, "invalid_message", form)
    try:
        message = services.add_visitor_message(
            db.session, conversation, form.text.data, clock.now(), form.key.data or ""
        )
    except services.ConversationClosed:
        db.session.rollback()
        text = _("This conversation is closed. Start a new one if you need to.")
        return _refuse(conversation, token, text, 409, "closed")
    db.session.commit()
    hub.broker().publish(conversation_topic(message.conversation_id))
    if wants_json():
        return jsonify(services.message_dict(message)), 201
    return redirect(url_for("chat.conversation", token=token, _anchor="chat-form"), code=303)


@bp.get("/chat/<token>/messages")
@limiter.limit(READ_LIMIT_CHAT, key_func=token_key)
@limiter.limit(READ_LIMIT_ADDRESS)
def messages(token: str):
    conversation = _conversation(token)
    return messages_json(
        conversation, lambda: state_payload(services.state(db.session, conversation, clock.now()))
    )


@bp.get("/chat/<token>/events")
@limiter.limit(READ_LIMIT_CHAT, key_func=token_key)
@limiter.limit(READ_LIMIT_ADDRESS)
def events(token: str):
    conversation = _conversation(token)
    return conversation_events(
        conversation,
        [conversation_topic(conversation.id), QUEUE],
        partial(conversation_snapshot, conversation.id),
    )


@bp.post("/chat/<token>/close")
@limiter.limit(CLOSE_LIMIT_CHAT, key_func=token_key)
def close(token: str):
    """Close (once); with an address, also queue the transcript to it (again if asked)."""
    conversation = _conversation(token)
    form = CloseForm()
    if not form.validate_on_submit():
        message = next(iter(form.email.errors), None) or _("Please check what you entered.")
        if wants_json():
            return json_error(400, "invalid_email", str(message))
        return render_conversation(conversation, token, close_form=form, status=400)
    closed = services.close(db.session, conversation.id, "visitor", clock.now())
    mail = None
    if form.email.data:
        mail = chat_mail.queue_transcript(db.session, conversation, form.email.data)
    db.session.commit()
    if closed:
        hub.broker().publish(conversation_topic(conversation.id), QUEUE)
    session.pop(SESSION_KEY, None)
    if mail is not None:
        flash(_("The transcript is on its way to %(email)s.", email=form.email.data), "success")
    elif closed:
        flash(_("The conversation is closed. Thank you!"), "success")
    if wants_json():
        return jsonify({"status": "closed", "mailed": mail is not None})
    return redirect(url_for("chat.conversation", token=token), code=303)


@bp.get("/chat/<token>/transcript.txt")
@limiter.limit(READ_LIMIT_CHAT, key_func=token_key)
def transcript(token: str):
    conversation = _conversation(token)
    text = chat_mail.transcript_text(db.session, conversation)
    date = chat_mail.local_time(conversation.created_at, "%Y-%m-%d")
    response = Response(text, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="chat-{date}.txt"'
    return response


# --- errors: JSON for fetch(), the conversation page for a refused form -------------------


@bp.errorhandler(400)
def bad_request(error):
    if isinstance(error, CSRFError):
        code = "csrf"
        message = _("The form has expired or was not sent from this site. Please try again.")
    elif request.method == "POST" and any("\x00" in v for v in request.form.values()):
        code = "invalid_message"
        message = str(message_error(services.InvalidMessage("nul")))
    else:
        code = "bad_request"
        message = _("The request could not be understood. Please check what you entered.")
    token = (request.view_args or {}).get("token", "")
    if not wants_json() and request.endpoint == "chat.post_message" and code != "bad_request":
        conversation = services.by_token(db.session, token)
        if conversation is not None:
            return _refuse(conversation, token, message, 400, code)
    return _error(400, code, message)


def _error(status: int, code: str, message: str):
    if wants_json():
        return json_error(status, code, message)
    return render_template("errors/error.html", status=status, message=message), status


@bp.errorhandler(404)
def not_found(error):
    return _error(404, "not_found", _("We could not find this page."))


@bp.errorhandler(429)
def too_many(error):
    message = _("Too many requests in a short time. Please wait a minute and try again.")
    return _error(429, "too_many_requests", message)
