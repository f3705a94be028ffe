"""Forms readers fill in: a question, an error report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from locator.feedback import services as s
from locator.labels import CATEGORY_LABELS


def topic_choices() -> list[SelectChoice]:
    items = [*CATEGORY_LABELS.items(), ("other", _l("Something else"))]
    return [SelectChoice(value, label) for value, label in items]


class AskForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=s.NAME_MAX)])
    contact = StringField(
        _l("E-mail or phone"),
        validators=[DataRequired(), Length(max=s.CONTACT_MAX)],
        description=_l("We answer by e-mail, or call you back on the phone."),
    )
    region = StringField(_l("City or region"), validators=[Optional(), Length(max=s.REGION_MAX)])
    topic = SelectField(_l("Topic"), choices=topic_choices, default="other")
    question = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(), Length(min=s.QUESTION_MIN, max=s.QUESTION_MAX)],
        render_kw={"rows": 8},
        description=_l(
            "From %(min)s to %(max)s characters.", min=s.QUESTION_MIN, max=s.QUESTION_MAX
        ),
    )
    # Honeypot: hidden from people, filled in by bots.
    website_url = StringField(_l("Leave this field empty"), validators=[Optional()])

    def validate_contact(self, field) -> None:
        try:
            kind, _value = s.classify_contact(field.data or "")
        except s.InvalidContact:
            raise ValidationError(
                _l("Give an e-mail address (name@example.org) or a phone number (+380 …).")
            ) from None
        self.contact_kind = kind


class ReportForm(FlaskForm):
    url = HiddenField(validators=[DataRequired(), Length(max=s.URL_MAX)])
    selection = TextAreaField(
        _l("The text with the error"),
        validators=[Optional(), Length(max=s.SELECTION_MAX)],
        render_kw={"rows": 3},
        description=_l("At most %(max)s characters.", max=s.SELECTION_MAX),
    )
    context = HiddenField(validators=[Optional(), Length(max=s.CONTEXT_MAX)])
    comment = TextAreaField(
        _l("What is wrong? (optional)"),
        validators=[Optional(), Length(max=s.COMMENT_MAX)],
        render_kw={"rows": 4},
        description=_l("At most %(max)s characters.", max=s.COMMENT_MAX),
    )
    office_slug = HiddenField(validators=[Optional(), Length(max=120)])
    field = SelectField(
        _l("What is wrong in this office's information?"),
        choices=[
            SelectChoice("", _l("—")),
            SelectChoice("name", _l("Name")),
            SelectChoice("address", _l("Address")),
            SelectChoice("phone", _l("Phone")),
            SelectChoice("email", _l("E-mail")),
            SelectChoice("website", _l("Website")),
            SelectChoice("opening_hours", _l("Opening hours")),
            SelectChoice("other", _l("Something else")),
        ],
        validators=[Optional()],
        default="",
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.selection.data or "").strip() and not (self.comment.data or "").strip():
            self.comment.errors.append(_l("Select the wrong text or describe the error."))
            return False
        return ok
