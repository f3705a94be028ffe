"""Coordinators answer the chat: `/admin/chat…`, on the admin blueprint (behind its login).

The queue page follows `/admin/chat/events` (a nudge on every change) and fetches the
queue again; a conversation page follows `/admin/chat/<id>/events` like the visitor's page.
Only the coordinator who took a conversation answers in it; taking is one conditional
UPDATE, so of two coordinators pressing "take" at once exactly one gets it (the other 409).
"""

from __future__ import annotations

from functools import partial

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from locator import clock
from locator.admin import Nav
from locator.chat import hub, services
from locator.chat import mail as chat_mail
from locator.chat.forms import ReplyForm, TakeForm
from locator.chat.live import QUEUE, conversation_topic
from locator.chat.models import Conversation, as_utc
from locator.chat.stream import Snapshot
from locator.chat.views import conversation_events, event_response, messages_json, wants_json
from locator.errors import json_error
from locator.extensions import db
from locator.templating import chat_status_now

NAME_KEY = "chat_expert_name"


def _conversation(conversation_id: int) -> Conversation:
    return db.get_or_404(Conversation, conversation_id)


def _queue_context() -> dict:
    now = clock.now()
    conversations = services.open_conversations(db.session)
    return {
        "waiting": [c for c in conversations if c.status == "waiting"],
        "active": [c for c in conversations if c.status == "active"],
        "closed": services.recently_closed(db.session),
        "now": now,
        "waited_minutes": lambda c: int((now - as_utc(c.created_at)).total_seconds() // 60),
        "local_time": chat_mail.local_time,
    }


def chat():
    form = TakeForm(formdata=None)
    form.expert_name.data = session.get(NAME_KEY, "")
    return render_template(
        "admin/chat/queue.html", name_form=form, chat=chat_status_now(), **_queue_context()
    )


def chat_queue():
    """The queue's lists alone: the queue page swaps them in when something changed."""
    return render_template("admin/chat/_queue.html", **_queue_context())


def _queue_snapshot(after: int) -> Snapshot:
    conversations = services.open_conversations(db.session)
    waiting = [c.id for c in conversations if c.status == "waiting"]
    active = [[c.id, c.expert_id] for c in conversations if c.status == "active"]
    return Snapshot([], {"waiting": waiting, "active": active})


def chat_events():
    return event_response([QUEUE], _queue_snapshot, after=0, state_event="queue")


def chat_name():
    form = TakeForm()
    if form.validate_on_submit():
        session[NAME_KEY] = " ".join((form.expert_name.data or "").split())
        flash(
            _("Visitors will see you as “%(name)s”.", name=session[NAME_KEY])
            if session[NAME_KEY]
            else _("Visitors will see “an expert of the network”."),
            "success",
        )
    else:
        flash(_("A name can have at most %(max)s characters.", max=services.NAME_MAX), "error")
    return redirect(url_for("admin.chat"), code=303)


def chat_take(conversation_id: int):
    conversation = _conversation(conversation_id)
    taken = services.take(
        db.session, conversation.id, current_user.id, session.get(NAME_KEY, ""), clock.now()
    )
    db.session.commit()
    if not taken:
        message = _("Another coordinator has already taken this conversation, or it is closed.")
        if wants_json():
            return json_error(409, "taken", message)
        return render_template(
            "admin/chat/taken.html", message=message, conversation=conversation
        ), 409
    hub.broker().publish(conversation_topic(conversation.id), QUEUE)
    if wants_json():
        return jsonify({"id": conversation.id, "status": "active"})
    return redirect(url_for("admin.chat_conversation", conversation_id=conversation.id), code=303)


def chat_conversation(conversation_id: int, form: ReplyForm | None = None, status: int = 200):
    conversation = _conversation(conversation_id)
    messages = services.messages_after(db.session, conversation.id)
    return render_template(
        "admin/chat/conversation.html",
        conversation=conversation,
        messages=messages,
        state=admin_state(conversation, current_user.id),
        mine=conversation.status == "active" and conversation.expert_id == current_user.id,
        form=form or ReplyForm(formdata=None),
        local_time=chat_mail.local_time,
    ), status


def admin_state(conversation: Conversation, user_id: int) -> dict:
    """The conversation's state as a coordinator reads it."""
    if conversation.status == "closed":
        text = _("The conversation is closed.")
    elif conversation.status == "waiting":
        text = _("Waiting in the queue.")
    elif conversation.expert_id == user_id:
        text = _("You answer this conversation.")
    else:
        name = conversation.expert_name or _("Another coordinator")
        text = _("%(name)s answers this conversation.", name=name)
    return {"status": conversation.status, "expert_id": conversation.expert_id, "text": text}


def _admin_snapshot(conversation_id: int, user_id: int, after: int) -> Snapshot:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        return Snapshot([], {"status": "deleted", "text": ""}, final=True)
    messages = services.messages_after(db.session, conversation_id, after)
    return Snapshot(
        [services.message_dict(m) for m in messages],
        admin_state(conversation, user_id),
        final=conversation.status == "closed",
    )


def chat_messages(conversation_id: int):
    conversation = _conversation(conversation_id)
    return messages_json(conversation, lambda: admin_state(conversation, current_user.id))


def chat_conversation_events(conversation_id: int):
    conversation = _conversation(conversation_id)
    return conversation_events(
        conversation,
        [conversation_topic(conversation.id)],
        partial(_admin_snapshot, conversation.id, current_user.id),
    )


def chat_reply(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = ReplyForm()
    refusal = None
    if not form.validate_on_submit():
        refusal = (400, "invalid_message", str(next(iter(form.text.errors), "")))
    else:
        try:
            message = services.add_expert_message(
                db.session,
                conversation,
                current_user.id,
                form.text.data,
                clock.now(),
                form.key.data or "",
            )
        except services.ConversationClosed:
            refusal = (409, "closed", _("This conversation is closed."))
        except services.NotYours:
            refusal = (
                403,
                "not_yours",
                _("Take the conversation first; another coordinator may be answering it."),
            )
    if refusal is not None:
        db.session.rollback()
        status, code, text = refusal
        if wants_json():
            return json_error(status, code, text)
        if not form.text.errors:
            form.text.errors = [text]
        return chat_conversation(conversation_id, form=form, status=status)
    db.session.commit()
    hub.broker().publish(conversation_topic(conversation_id))
    if wants_json():
        return jsonify(services.message_dict(message)), 201
    return redirect(
        url_for("admin.chat_conversation", conversation_id=conversation_id, _anchor="chat-form"),
        code=303,
    )


def chat_release(conversation_id: int):
    """Hand the conversation back to the queue."""
    _conversation(conversation_id)
    if services.hand_back(db.session, conversation_id, current_user.id, clock.now()):
        db.session.commit()
        hub.broker().publish(conversation_topic(conversation_id), QUEUE)
        flash(_("The conversation is back in the queue."), "success")
    else:
        db.session.rollback()
        flash(_("Only the coordinator answering a conversation can hand it back."), "error")
    return redirect(url_for("admin.chat"), code=303)


def chat_close(conversation_id: int):
    conversation = _conversation(conversation_id)
    if conversation.status == "active" and conversation.expert_id != current_user.id:
        flash(_("Another coordinator is answering this conversation."), "error")
        return redirect(
            url_for("admin.chat_conversation", conversation_id=conversation_id), code=303
        )
    if services.close(db.session, conversation_id, "expert", clock.now()):
        db.session.commit()
        hub.broker().publish(conversation_topic(conversation_id), QUEUE)
        flash(_("The conversation is closed."), "success")
    return redirect(url_for("admin.chat_conversation", conversation_id=conversation_id), code=303)


def chat_delete(conversation_id: int):
    """At the visitor's request: the conversation, its messages and any mailed transcript."""
    _conversation(conversation_id)
    if request.form.get("confirm") != "yes":
        abort(400)
    services.delete_conversations(db.session, [conversation_id])
    db.session.commit()
    hub.broker().publish(conversation_topic(conversation_id), QUEUE)
    flash(_("Conversation %(id)s is deleted.", id=conversation_id), "success")
    return redirect(url_for("admin.chat"), code=303)


def chat_transcript(conversation_id: int):
    conversation = _conversation(conversation_id)
    response = Response(chat_mail.transcript_text(db.session, conversation), mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="chat-{conversation.id}.txt"'
    return response


def register_admin(bp: Blueprint, nav: Nav) -> None:
    bp.get("/chat")(chat)
    bp.get("/chat/queue")(chat_queue)
    bp.get("/chat/events")(chat_events)
    bp.post("/chat/name")(chat_name)
    bp.post("/chat/<int:conversation_id>/take")(chat_take)
    bp.get("/chat/<int:conversation_id>")(chat_conversation)
    bp.get("/chat/<int:conversation_id>/messages")(chat_messages)
    bp.get("/chat/<int:conversation_id>/events")(chat_conversation_events)
    bp.post("/chat/<int:conversation_id>/messages")(chat_reply)
    bp.post("/chat/<int:conversation_id>/release")(chat_release)
    bp.post("/chat/<int:conversation_id>/close")(chat_close)
    bp.post("/chat/<int:conversation_id>/delete")(chat_delete)
    bp.get("/chat/<int:conversation_id>/transcript.txt")(chat_transcript)
    nav.append(("admin.chat", _l("Chat")))
