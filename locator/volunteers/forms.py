"""Forms of the volunteers' area: sign-up, join request, coordinators' review."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from locator.volunteers.models import SKILLS
from locator.volunteers.phones import InvalidPhoneError, normalise_phone

SKILL_LABELS = {
    "legal": _l("Legal advice"),
    "translation": _l("Translation"),
    "outreach": _l("Outreach: telling people about free legal aid"),
    "posters": _l("Putting up posters"),
    "it": _l("IT and the website"),
    "other": _l("Something else (tell us in the message)"),
}

# Something a browser would read as a tag: "<b>", "</p", "<script", "<!--", "<img src=…".
# Plain "<" in text ("I <3 this", "a < b") is fine and is shown as typed.
_MARKUP = re.compile(r"<\s*[/!?]?\s*[a-zA-Z]|<!--")
# Control characters (NUL would even make PostgreSQL refuse the row); tab and newlines pass.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class PlainText:
    """Refuses markup and control characters: people's answers are plain text."""

    def __call__(self, form, field):
        data = field.data
        values = data if isinstance(data, list) else [data]
        for value in values:
            if not isinstance(value, str):
                continue
            if _MARKUP.search(value):
                raise ValidationError(
                    _l("Please write plain text, without HTML tags (text between < and >).")
                )
            if _CONTROL.search(value):
                raise ValidationError(_l("This field contains characters that cannot be used."))


def _length(maximum: int) -> Length:
    message = _l("Please keep this under %(max)d characters.", max=maximum)
    return Length(max=maximum, message=message)


def _required(message) -> InputRequired:
    return InputRequired(message=message)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PhoneMixin:
    def validate_phone(self, field):
        try:
            field.data = normalise_phone(field.data or "")
        except InvalidPhoneError as exc:
            raise ValidationError(
                _l("Please enter a phone number we can call, for example 050 123 45 67.")
            ) from exc


NAME = [_required(_l("Please enter your name.")), _length(200), PlainText()]
EMAIL = [
    _required(_l("Please enter your e-mail address.")),
    _length(254),
    Email(message=_l("Please enter a valid e-mail address, for example name@example.org.")),
]
PHONE = [_required(_l("Please enter your phone number.")), _length(40), PlainText()]
HONEYPOT_LABEL = _l("Leave this field empty")


class VolunteerForm(PhoneMixin, FlaskForm):
    name = StringField(_l("Your name"), NAME, filters=[strip])
    email = EmailField(
        _l("E-mail"),
        EMAIL,
        filters=[strip],
        description=_l("We will send you a link to confirm your sign-up."),
    )
    phone = TelField(
        _l("Phone"),
        PHONE,
        filters=[strip],
        description=_l("For example 050 123 45 67 or +380 50 123 45 67."),
    )
    city = StringField(
        _l("City or town"),
        [_required(_l("Please enter your city or town.")), _length(120), PlainText()],
        filters=[strip],
        description=_l("We will put you in touch with the nearest consulting room."),
    )
    skills = MultiCheckboxField(
        _l("How would you like to help?"),
        [Optional()],
        choices=[SelectChoice(code, SKILL_LABELS[code]) for code in SKILLS],
    )
    languages = StringField(
        _l("Languages you speak"),
        [Optional(), _length(200), PlainText()],
        filters=[strip],
        description=_l("For example: Ukrainian, English, Crimean Tatar."),
    )
    availability = StringField(
        _l("When can you help?"),
        [Optional(), _length(500), PlainText()],
        filters=[strip],
        description=_l("For example: weekday evenings, two hours a week."),
    )
    message = TextAreaField(
        _l("Anything else you would like to tell us?"),
        [Optional(), _length(2000), PlainText()],
        filters=[strip],
    )
    consent = BooleanField(
        _l("I agree that the network keeps my details to contact me about volunteering."),
        [DataRequired(message=_l("We can only keep your details with your consent."))],
        description=_l("What we keep, why and for how long:"),
    )
    website_url = StringField(HONEYPOT_LABEL, [Optional(), Length(max=500)])


class JoinForm(PhoneMixin, FlaskForm):
    organisation = StringField(
        _l("Organisation"),
        [_required(_l("Please enter the organisation's name.")), _length(200), PlainText()],
        filters=[strip],
    )
    city = StringField(
        _l("City or town"),
        [_required(_l("Please enter your city or town.")), _length(120), PlainText()],
        filters=[strip],
    )
    contact_person = StringField(
        _l("Contact person"),
        [_required(_l("Please enter a contact person.")), _length(200), PlainText()],
        filters=[strip],
    )
    email = EmailField(_l("E-mail"), EMAIL, filters=[strip])
    phone = TelField(
        _l("Phone"),
        PHONE,
        filters=[strip],
        description=_l("For example 050 123 45 67 or +380 50 123 45 67."),
    )
    about = TextAreaField(
        _l("What does your organisation do?"),
        [
            _required(_l("Please tell us briefly what your organisation does.")),
            _length(3000),
            PlainText(),
        ],
        filters=[strip],
    )
    consent = BooleanField(
        _l("I agree that the network keeps these details to review our application."),
        [DataRequired(message=_l("We can only keep your details with your consent."))],
        description=_l("What we keep, why and for how long:"),
    )
    website_url = StringField(HONEYPOT_LABEL, [Optional(), Length(max=500)])


class StatusForm(FlaskForm):
    """Change a record's status from the coordinators' list (choices set per record)."""

    status = SelectField(_l("Status"), choices=[])


class DeleteForm(FlaskForm):
    """A CSRF-protected button."""
