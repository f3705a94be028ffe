"""Forms of the coordinators' office pages.

Every field is checked by the same `validate_office` the importer uses, so a value the admin
accepts imports and exports unchanged, and the messages are the same (in the page language).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from locator.labels import ACCESSIBILITY_LABELS, CATEGORY_LABELS
from locator.models import ACCESSIBILITY, CATEGORIES, OFFICE_MAX_LENGTH
from locator.offices.validation import validate_office

UPLOAD_LIMIT = 5 * 1024 * 1024  # bytes; 20,000 offices of CSV are about 9 MB, so split those


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a list (the forms macro renders it as a fieldset)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _length(name: str) -> Length:
    return Length(max=OFFICE_MAX_LENGTH[name])


class OfficeForm(FlaskForm):
    slug = StringField(
        _l("Slug (address of the office page)"),
        validators=[DataRequired(), _length("slug")],
        description=_l("Small Latin letters, digits and hyphens, like kyiv-podil."),
    )
    name = StringField(_l("Office name"), validators=[DataRequired(), _length("name")])
    organization = StringField(_l("Organisation"), validators=[_length("organization")])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("room", _l("A room: a place one can walk into (address and map point)")),
            SelectChoice(
                "remote", _l("Remote help: a hotline, an online or phone reception (no distance)")
            ),
        ],
        default="room",
    )
    serves = StringField(
        _l("Areas served"),
        validators=[_length("serves")],
        description=_l(
            "For remote help: ISO 3166-2 codes separated by “;”, like UA-43;UA-40 (Crimea, "
            "Sevastopol), UA-09 (Luhansk oblast), or UA for the whole country."
        ),
    )
    address = StringField(_l("Address"), validators=[_length("address")])
    city = StringField(_l("City"), validators=[DataRequired(), _length("city")])
    region = StringField(_l("Region"), validators=[_length("region")])
    postcode = StringField(_l("Postcode"), validators=[_length("postcode")])
    country = StringField(
        _l("Country code"),
        validators=[DataRequired(), Length(min=2, max=OFFICE_MAX_LENGTH["country"])],
        default="UA",
        description=_l("Two letters, like UA, MD, KZ."),
    )
    lat = StringField(_l("Latitude"), validators=[Optional(), Length(max=30)])
    lon = StringField(_l("Longitude"), validators=[Optional(), Length(max=30)])
    pinned = BooleanField(
        _l("Coordinates placed by hand: do not re-geocode when the address changes"),
    )
    phone = StringField(_l("Phone"), validators=[_length("phone")])
    email = StringField(_l("E-mail"), validators=[_length("email")])
    website = StringField(_l("Website"), validators=[_length("website")])
    opening_hours = StringField(
        _l("Opening hours"),
        validators=[_length("opening_hours")],
        description=_l("OpenStreetMap format, like: Mo-Fr 09:00-13:00,14:00-18:00; PH off"),
    )
    languages = StringField(
        _l("Languages"),
        validators=[_length("languages")],
        description=_l("Language codes separated by “;”, like uk;ru;en."),
    )
    categories = MultiCheckboxField(
        _l("Helps with"), choices=[SelectChoice(code, CATEGORY_LABELS[code]) for code in CATEGORIES]
    )
    accessibility = MultiCheckboxField(
        _l("Accessibility"),
        choices=[SelectChoice(code, ACCESSIBILITY_LABELS[code]) for code in ACCESSIBILITY],
    )
    description = TextAreaField(_l("Description"), validators=[_length("description")])
    demo = BooleanField(_l("Demonstration data (not a real office)"))

    clean: dict[str, Any]

    def raw(self) -> dict[str, Any]:
        """The office as the importer would read it from a file."""
        return {
            "slug": self.slug.data or "",
            "name": self.name.data or "",
            "organization": self.organization.data or "",
            "address": self.address.data or "",
            "city": self.city.data or "",
            "region": self.region.data or "",
            "postcode": self.postcode.data or "",
            "country": self.country.data or "",
            "lat": self.lat.data or "",
            "lon": self.lon.data or "",
            "phone": self.phone.data or "",
            "email": self.email.data or "",
            "website": self.website.data or "",
            "opening_hours": self.opening_hours.data or "",
            "languages": self.languages.data or "",
            "categories": list(self.categories.data or []),
            "accessibility": list(self.accessibility.data or []),
            "description": self.description.data or "",
            "demo": bool(self.demo.data),
            "kind": self.kind.data or "room",
            "serves": self.serves.data or "",
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.clean, problems = validate_office(self.raw())
        for problem in problems:
            field = getattr(self, problem.field, None) or self.name
            message = problem.render(gettext)
            if message not in field.errors:
                field.errors.append(message)
        return valid and not problems

    def fill(self, office) -> None:
        """Show a stored office in the form (lists, coordinates as text)."""
        for name in ("slug", "name", "organization", "address", "city", "region", "postcode",
                     "country", "phone", "email", "website", "opening_hours", "description"):  # fmt: skip
            getattr(self, name).data = getattr(office, name)
        self.lat.data = "" if office.lat is None else repr(office.lat)
        self.lon.data = "" if office.lon is None else repr(office.lon)
        self.languages.data = office.languages
        self.categories.data = office.category_list
        self.accessibility.data = office.accessibility_list
        self.demo.data = office.demo
        self.pinned.data = office.pinned
        self.kind.data = office.kind
        self.serves.data = office.serves


class ImportForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired()])
    format = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("csv", "CSV"),
            SelectChoice("geojson", "GeoJSON"),
            SelectChoice("hsds", _l("HSDS (Open Referral) JSON")),
        ],
        default="csv",
    )
    dry_run = BooleanField(_l("Only check the file, change nothing"))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
