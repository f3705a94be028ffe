"""Phone numbers typed the usual ways, normalised to E.164 with ``phonenumbers``."""

from __future__ import annotations

import re

import phonenumbers

MAX_LENGTH = 40
# Digits and the usual separators only: letters would be read as a vanity number
# ("050-ABC-4567") and extensions have no place in a call-back number.
_ALLOWED = re.compile(r"^[0-9+()\-./\s]+$")


class InvalidPhoneError(ValueError):
    """Not a phone number we could call."""


def normalise_phone(text: str, region: str = "UA") -> str:
    """Return the number in E.164 ("+380501234567") or raise InvalidPhoneError.

    With the default region UA: "050 123 45 67", "+38 (050) 123-45-67", "0501234567",
    "380501234567" and the old trunk prefix "8 050 123 45 67" all give +380501234567.
    """
    text = (text or "").strip()
    if not text or len(text) > MAX_LENGTH or not _ALLOWED.match(text):
        raise InvalidPhoneError()
    digits = re.sub(r"\D", "", text)
    if region == "UA" and not text.startswith("+") and len(digits) == 11 and digits[:2] == "80":
        text = digits[1:]  # "8 050 …": the Soviet-era trunk prefix before the 0
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError() from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
