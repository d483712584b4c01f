"""Citizen ID numbers (公民身份号码, GB 11643-1999) and phone numbers.

One function per rule, each raising ``ValidationError`` with a Chinese message. The 6-digit
address code is deliberately *not* looked up in today's division list: an ID records the
place of first registration, and division codes are abolished over time (DOMAIN.md §14.1).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "MSG_ID_BAD_BIRTH_DATE",
    "MSG_ID_BAD_CHARACTERS",
    "MSG_ID_BAD_CHECK_DIGIT",
    "MSG_ID_BAD_DISABILITY_SUFFIX",
    "MSG_ID_BAD_LENGTH",
    "MSG_ID_BAD_PROVINCE",
    "MSG_ID_BIRTH_MISMATCH",
    "MSG_ID_EMPTY",
    "MSG_ID_FUTURE_BIRTH",
    "MSG_ID_PLACEHOLDER",
    "MSG_ID_SEX_MISMATCH",
    "MSG_PHONE_INVALID",
    "ParsedId",
    "id_check_character",
    "id_number_parse",
    "id_upgrade_legacy",
    "normalize_id_number",
    "normalize_phone",
    "validate_birth_date_matches_id",
    "validate_id_number",
    "validate_phone",
    "validate_sex_matches_id",
]

MSG_ID_EMPTY = _("证件号码不能为空")
MSG_ID_PLACEHOLDER = _("证件号码为无证占位号（999999开头），请补录")
MSG_ID_BAD_LENGTH = _("证件号码长度不正确：应为18位（或15位旧号码、20位残疾人证号）")
MSG_ID_BAD_CHARACTERS = _("证件号码只能包含数字，最后一位可以是X")
MSG_ID_BAD_CHECK_DIGIT = _("公民身份号码校验位错误：最后一位应为 %(expected)s")
MSG_ID_BAD_DISABILITY_SUFFIX = _("残疾人证号第19位应为残疾类别（1–7），第20位应为残疾等级（1–4）")
MSG_ID_BAD_BIRTH_DATE = _("证件号码中的出生日期无效")
MSG_ID_FUTURE_BIRTH = _("证件号码中的出生日期晚于今天")
MSG_ID_BAD_PROVINCE = _("证件号码省份代码无效")
MSG_ID_BIRTH_MISMATCH = _("出生日期与证件号码不一致（证件号码中为 %(expected)s）")
MSG_ID_SEX_MISMATCH = _("性别与证件号码不一致（证件号码第17位表示%(expected)s）")
MSG_PHONE_INVALID = _("联系电话不是有效的11位手机号码或带区号的固定电话")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PROVINCE_CODES = frozenset(
    [str(n) for n in range(11, 16)]
    + [str(n) for n in range(21, 24)]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82", "91"]
)
# Full-width digits and letters pasted from Excel or a Chinese IME, and every kind of space.
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＡａ", "0123456789XxAa")
_SPACES_RE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff'’‘`＇\-－]")
# ASCII only: str.isdigit() and \d also accept superscripts and other scripts' digits.
_ID18_RE = re.compile(r"[0-9]{17}[0-9X]")


@dataclass(frozen=True)
class ParsedId:
    """A validated ID with the values derived from it."""

    number: str  # normalised: 18 characters (or 20/22 for certificates), upper-case X
    birth_date: datetime.date
    sex: str  # "1" male, "2" female (GB/T 2261.1)
    upgraded_from: str = ""  # the 15-digit legacy number this was converted from, if any

    @property
    def note(self) -> str:
        if self.upgraded_from:
            return f"15位旧号码 {self.upgraded_from} 已升级为18位 {self.number}"
        return ""


def normalize_id_number(raw: object) -> str:
    """Strip spaces, apostrophes and dashes; make full-width characters half-width; X upper-case."""
    if raw is None:
        return ""
    return _SPACES_RE.sub("", str(raw).translate(_FULLWIDTH)).upper()


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def id_upgrade_legacy(id15: str) -> str:
    """Convert a 15-digit 1989 ID to 18 digits: insert "19" before YY, append the check character."""
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + id_check_character(first17)


def _birth_date(number: str) -> datetime.date:
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(MSG_ID_BAD_BIRTH_DATE, code="id_bad_birth_date") from exc


def id_number_parse(raw: object, *, today: datetime.date | None = None) -> ParsedId:
    """Validate an ID number and derive birth date and sex; raise ValidationError otherwise.

    Accepted: 18 characters (check digit verified); 15 digits (legacy, upgraded with a note);
    20 characters (残疾人证号 = ID + category 1–7 + grade 1–4); 22 characters (2021+ system,
    the first 18 checked as an ID).
    """
    number = normalize_id_number(raw)
    if not number:
        raise ValidationError(MSG_ID_EMPTY, code="id_empty")
    if number.startswith("999999"):
        raise ValidationError(MSG_ID_PLACEHOLDER, code="id_placeholder")
    upgraded_from = ""
    if len(number) == 15:
        if not number.isascii() or not number.isdigit():
            raise ValidationError(MSG_ID_BAD_CHARACTERS, code="id_bad_characters")
        upgraded_from = number
        number = id_upgrade_legacy(number)
    if len(number) not in (18, 20, 22):
        raise ValidationError(MSG_ID_BAD_LENGTH, code="id_bad_length")
    core = number[:18]
    if not _ID18_RE.fullmatch(core):
        raise ValidationError(MSG_ID_BAD_CHARACTERS, code="id_bad_characters")
    if len(number) == 20 and not (number[18] in "1234567" and number[19] in "1234"):
        raise ValidationError(MSG_ID_BAD_DISABILITY_SUFFIX, code="id_bad_disability_suffix")
    if len(number) == 22 and not (number[18:].isascii() and number[18:].isdigit()):
        raise ValidationError(MSG_ID_BAD_CHARACTERS, code="id_bad_characters")
    if core[:2] not in _PROVINCE_CODES:
        raise ValidationError(MSG_ID_BAD_PROVINCE, code="id_bad_province")
    birth = _birth_date(core)
    today = today or timezone.localdate()
    if birth > today:
        raise ValidationError(MSG_ID_FUTURE_BIRTH, code="id_future_birth")
    if birth.year < 1880:
        raise ValidationError(MSG_ID_BAD_BIRTH_DATE, code="id_bad_birth_date")
    expected = id_check_character(core[:17])
    if core[17] != expected:
        raise ValidationError(
            MSG_ID_BAD_CHECK_DIGIT, code="id_bad_check_digit", params={"expected": expected}
        )
    sex = "1" if int(core[16]) % 2 == 1 else "2"
    return ParsedId(number=number, birth_date=birth, sex=sex, upgraded_from=upgraded_from)


def validate_id_number(value: object) -> None:
    """Django field validator: the value must parse as a citizen ID number."""
    id_number_parse(value)


def validate_sex_matches_id(sex: str, parsed: ParsedId) -> None:
    """The 17th digit is odd for men and even for women (ID-08)."""
    if sex in ("1", "2") and sex != parsed.sex:
        expected = _("男性") if parsed.sex == "1" else _("女性")
        raise ValidationError(
            MSG_ID_SEX_MISMATCH, code="id_sex_mismatch", params={"expected": expected}
        )


def validate_birth_date_matches_id(birth_date: datetime.date | None, parsed: ParsedId) -> None:
    """A stored birth date must equal the one inside the ID (ID-07)."""
    if birth_date is not None and birth_date != parsed.birth_date:
        raise ValidationError(
            MSG_ID_BIRTH_MISMATCH,
            code="id_birth_mismatch",
            params={"expected": parsed.birth_date.isoformat()},
        )


_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE_RE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")


def normalize_phone(raw: object) -> str:
    text = str(raw or "").translate(_FULLWIDTH)
    text = re.sub(r"[\s\u3000()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    return text


def validate_phone(value: object) -> None:
    """An 11-digit mobile number or a landline with area code (ID-10)."""
    text = normalize_phone(value)
    if text and not (_MOBILE_RE.fullmatch(text) or _LANDLINE_RE.fullmatch(text)):
        raise ValidationError(MSG_PHONE_INVALID, code="phone_invalid")
