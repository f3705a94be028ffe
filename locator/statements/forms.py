"""The coordinators' statement form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from locator.statements.parsing import MAX_BODY, MAX_SLUG, MAX_TAG, MAX_TAGS, MAX_TITLE

LANGUAGE_CHOICES = [
    SelectChoice("uk", "Українська"),
    SelectChoice("en", "English"),
    SelectChoice("ru", "Русский"),
]


class StatementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    slug = StringField(
        _l("Address (slug)"),
        validators=[Optional(), Length(max=MAX_SLUG)],
        description=_l("Latin letters, digits and hyphens; made from the title when empty."),
    )
    published = DateField(_l("Publication date"), validators=[DataRequired()])
    lang = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="uk")
    body_md = TextAreaField(
        _l("Text (Markdown)"),
        validators=[DataRequired(), Length(max=MAX_BODY)],
        render_kw={"rows": 18},
    )
    source_url = StringField(
        _l("Source address"),
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
    )
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=MAX_TAGS * (MAX_TAG + 2))],
        description=_l("Separated by commas."),
    )
    places = TextAreaField(
        _l("Places"),
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 6},
        description=_l("One per line: a city or country name, or “Label | latitude, longitude”."),
    )
    detect_places = BooleanField(_l("Find the places in the text again (replaces the list)"))

    def validate_source_url(self, field) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("The address must start with http:// or https://."))

    def validate_tags(self, field) -> None:
        tags = tag_list(field.data)
        if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG for tag in tags):
            raise ValidationError(
                _l("At most %(n)s tags of at most %(m)s characters.", n=MAX_TAGS, m=MAX_TAG)
            )


def tag_list(text: str | None) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in (text or "").split(",") if t.strip()))
