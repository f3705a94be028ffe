"""Forms of the online consultation: start, write, close; the coordinators' take and reply."""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from locator.chat import services
from locator.labels import CATEGORY_LABELS


def topic_choices() -> list[SelectChoice]:
    items = [("", _l("— choose if you like —")), *CATEGORY_LABELS.items()]
    return [*(SelectChoice(v, label) for v, label in items), SelectChoice("other", _l("Other"))]


def message_error(error: services.InvalidMessage):
    """The refusal in the page language (the same words for the form and for JSON)."""
    if error.code == "nul":
        return _l("The message contains a character that cannot be sent (NUL). Remove it.")
    if error.code == "too_long":
        return _l(
            "A message can have at most %(max)s characters; yours has %(length)s.",
            max=services.MESSAGE_MAX,
            length=error.length,
        )
    return _l("Write a message first.")


class StartForm(FlaskForm):
    name = StringField(
        _l("Your name (optional)"),
        validators=[Optional(), Length(max=services.NAME_MAX)],
        description=_l("How the expert may call you. You can stay anonymous."),
    )
    topic = SelectField(_l("Topic (optional)"), choices=topic_choices, default="")
    # Honeypot: hidden from people, filled in by bots.
    website_url = StringField(_l("Leave this field empty"), validators=[Optional()])


class MessageForm(FlaskForm):
    # A fresh random key per rendered form: the same form sent twice stores one message.
    key = HiddenField(default=lambda: secrets.token_hex(16), validators=[Length(max=40)])
    # No Length validator: clean_text() refuses an oversized message with its own words.
    text = TextAreaField(
        _l("Your message"),
        render_kw={"rows": 3, "maxlength": services.MESSAGE_MAX},
        description=_l("At most %(max)s characters.", max=services.MESSAGE_MAX),
    )

    def validate_text(self, field) -> None:
        try:
            field.data = services.clean_text(field.data)
        except services.InvalidMessage as error:
            raise ValidationError(message_error(error)) from None


class CloseForm(FlaskForm):
    email = EmailField(
        _l("E-mail for the transcript (optional)"),
        validators=[Optional(), Length(max=254)],
        description=_l("We send the conversation to this address once and do not keep it."),
    )

    def validate_email(self, field) -> None:
        value = (field.data or "").strip()
        if not value:
            return
        try:
            field.data = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(_l("Give an e-mail address like name@example.org.")) from None


class TakeForm(FlaskForm):
    expert_name = StringField(
        _l("Your name as the visitor sees it"),
        validators=[Optional(), Length(max=services.NAME_MAX)],
    )


class ReplyForm(MessageForm):
    pass
