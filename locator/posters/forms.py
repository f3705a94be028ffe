"""The poster form: one set of checks for the /poster page and for /poster.pdf."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, Optional

from locator.geo.search_types import BadParameter
from locator.offices.search import parse_search
from locator.posters.services import POSTER_LANGS, POSTER_SIZES, PosterRequest

LANGUAGE_NAMES = {"uk": "Українська", "en": "English"}  # each in its own language
LANGUAGE_CHOICES = [
    SelectChoice(code, name, {"lang": code}) for code, name in LANGUAGE_NAMES.items()
]
SIZE_CHOICES = [
    SelectChoice("A4", _l("A4 (210 × 297 mm)")),
    SelectChoice("A3", _l("A3 (297 × 420 mm)")),
]
NEAR_MAX = 300
SLUG_MAX = 120


class PosterForm(FlaskForm):
    """Read from the query string (GET changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    language = SelectField(
        _l("Language of the poster"),
        choices=LANGUAGE_CHOICES,
        validate_choice=False,
        validators=[AnyOf(POSTER_LANGS, message=_l("Choose Ukrainian or English."))],
    )
    size = RadioField(
        _l("Paper size"),
        choices=SIZE_CHOICES,
        default="A4",
        validate_choice=False,
        validators=[AnyOf(POSTER_SIZES, message=_l("Choose A4 or A3."))],
    )
    near = StringField(
        _l("Your address or city (optional)"),
        id="poster-near",  # the help blocks' search box on the same page is "near-…"
        validators=[
            Optional(),
            Length(max=NEAR_MAX, message=_l("The place is too long (at most 300 characters).")),
        ],
    )
    lat = HiddenField()
    lon = HiddenField()
    office = HiddenField(
        validators=[
            Optional(),
            Length(max=SLUG_MAX, message=_l("This consulting room is not in our list (any more).")),
        ]
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        try:
            self._search = parse_search(
                {
                    "near": self.near.data or "",
                    "lat": self.lat.data or "",
                    "lon": self.lon.data or "",
                },
                require_origin=False,
            )
        except BadParameter as error:
            # Hidden coordinates cannot show their error: the place field shows it.
            if not self.near.errors:  # one message per field is enough
                self.near.errors = [*self.near.errors, error.message]
            valid = False
        if not valid:
            self._tidy_echo()
        return valid

    def _tidy_echo(self) -> None:
        """What the page shows back in the field: no control characters, not 10,000 of them."""
        text = "".join(ch for ch in (self.near.data or "") if ch.isprintable())
        self.near.data = text[:NEAR_MAX]

    @property
    def messages(self) -> list[str]:
        """Every error once, for the banner above the form and for /poster.pdf's answer."""
        seen: list[str] = []
        for errors in self.errors.values():
            for message in errors:
                if str(message) not in seen:
                    seen.append(str(message))
        return seen

    def to_request(self) -> PosterRequest:
        search = self._search
        return PosterRequest(
            lang=self.language.data,
            size=self.size.data,
            near=search.near,
            lat=round(search.lat, 5) if search.lat is not None else None,
            lon=round(search.lon, 5) if search.lon is not None else None,
            office=(self.office.data or "").strip() or None,
        )


def form_from_args(
    args: Mapping[str, str], *, lang_keys: tuple[str, ...], default_lang: str
) -> PosterForm:
    """The form filled from a query string. The poster's language comes from the first of
    `lang_keys` given: /poster.pdf takes the documented `lang`, and our own links use
    `language`, because `lang` also switches (and remembers) the page language.
    Empty values count as not given."""
    data = MultiDict()
    language = next((args.get(k, "").strip() for k in lang_keys if args.get(k, "").strip()), "")
    if language:
        data["language"] = language
    for name in ("size", "near", "lat", "lon", "office"):
        value = args.get(name, "")
        if value.strip():
            data[name] = value.strip().upper() if name == "size" else value
    default = default_lang if default_lang in POSTER_LANGS else POSTER_LANGS[0]
    return PosterForm(formdata=data, language=default)
