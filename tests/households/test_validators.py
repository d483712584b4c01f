"""households.validators: citizen IDs (GB 11643-1999, DOMAIN.md §14.1) and phone numbers.

Every expected check character below was computed by hand with the weights of §14.1
(S = Σ digit × W, check = "10X98765432"[S mod 11]); the sums are in the comments.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from households.validators import (
    ParsedId,
    id_check_character,
    id_number_parse,
    id_upgrade_legacy,
    normalize_id_number,
    normalize_phone,
    validate_birth_date_matches_id,
    validate_id_number,
    validate_phone,
    validate_sex_matches_id,
)

TODAY = datetime.date(2024, 6, 1)
MALE, FEMALE = "1", "2"


def parse_error(raw) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        id_number_parse(raw, today=TODAY)
    return info.value


def assert_chinese(message: str) -> None:
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


# --- id_check_character ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # DOMAIN vector; S = 167, 167 mod 11 = 2 → X
        ("36042619910101007", "1"),  # DOMAIN vector 360426199101010071
        ("99010519491231002", "3"),  # S = 295, mod 11 = 9 → 3
        ("11010519490230002", "0"),  # S = 155, mod 11 = 1 → 0
        ("62270119700101001", "0"),  # S = 188, mod 11 = 1 → 0
        ("51210119800315001", "3"),  # S = 196, mod 11 = 9 → 3
        ("11010520300101001", "X"),  # S = 79, mod 11 = 2 → X
        ("11010520000229001", "3"),  # S = 130, mod 11 = 9 → 3
        ("11010519490229002", "9"),  # S = 190, mod 11 = 3 → 9
    ],
)
def test_id_check_character(first17, expected):
    assert id_check_character(first17) == expected


def test_id_check_character_matches_the_mod_13_form_of_domain():
    # DOMAIN.md §14.1: check = (1 − 2 × int(id17, 13)) mod 11, 10 → "X".
    for first17 in ["11010519491231002", "36042619910101007", "62270119700101001"]:
        value = (1 - 2 * int(first17, 13)) % 11
        assert id_check_character(first17) == ("X" if value == 10 else str(value))


# --- valid IDs and what is derived from them ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number", "birth", "sex"),
    [
        ("11010519491231002X", "11010519491231002X", datetime.date(1949, 12, 31), FEMALE),
        ("360426199101010071", "360426199101010071", datetime.date(1991, 1, 1), MALE),
        # Lower-case x is accepted and stored upper-case.
        ("11010519491231002x", "11010519491231002X", datetime.date(1949, 12, 31), FEMALE),
        # Full-width digits and letter from a Chinese IME.
        (
            "１１０１０５１９４９１２３１００２Ｘ",
            "11010519491231002X",
            datetime.date(1949, 12, 31),
            FEMALE,
        ),
        (
            "１１０１０５１９４９１２３１００２ｘ",
            "11010519491231002X",
            datetime.date(1949, 12, 31),
            FEMALE,
        ),
        # Spaces of every kind, and the apostrophe Excel users type to keep a number as text.
        (" 110105 19491231 002X ", "11010519491231002X", datetime.date(1949, 12, 31), FEMALE),
        (
            "110105\u300019491231\u3000002X",
            "11010519491231002X",
            datetime.date(1949, 12, 31),
            FEMALE,
        ),
        (
            "\u00a011010519491231002X\u00a0",
            "11010519491231002X",
            datetime.date(1949, 12, 31),
            FEMALE,
        ),
        ("'11010519491231002X", "11010519491231002X", datetime.date(1949, 12, 31), FEMALE),
        ("\u201911010519491231002X", "11010519491231002X", datetime.date(1949, 12, 31), FEMALE),
        ("＇11010519491231002X", "11010519491231002X", datetime.date(1949, 12, 31), FEMALE),
        ("11010519491231002X\t", "11010519491231002X", datetime.date(1949, 12, 31), FEMALE),
        # Leap day in a leap year.
        ("110105200002290013", "110105200002290013", datetime.date(2000, 2, 29), MALE),
        # County codes abolished long ago: the ID records the place of first registration
        # (DOMAIN.md §3.2, §14.1, ID-12), so they must never make the ID invalid.
        ("622701197001010010", "622701197001010010", datetime.date(1970, 1, 1), MALE),
        ("512101198003150013", "512101198003150013", datetime.date(1980, 3, 15), MALE),
        # 20-character 残疾人证号 = ID + category (1–7) + grade (1–4); derived from the first 18.
        ("11010519491231002X42", "11010519491231002X42", datetime.date(1949, 12, 31), FEMALE),
        ("36042619910101007171", "36042619910101007171", datetime.date(1991, 1, 1), MALE),
        # 22 characters (2021+ system): the first 18 are checked as an ID.
        ("11010519491231002X0101", "11010519491231002X0101", datetime.date(1949, 12, 31), FEMALE),
    ],
)
def test_valid_ids(raw, number, birth, sex):
    parsed = id_number_parse(raw, today=TODAY)

    assert parsed == ParsedId(number=number, birth_date=birth, sex=sex)
    assert parsed.note == ""


def test_born_today_is_valid():
    parsed = id_number_parse("11010520300101001X", today=datetime.date(2030, 1, 1))

    assert parsed.birth_date == datetime.date(2030, 1, 1)


@pytest.mark.parametrize(
    ("raw", "upgraded"),
    [
        ("110105491231002", "11010519491231002X"),  # DOMAIN.md §14.1 example
        ("360426910101007", "360426199101010071"),
        ("１１０１０５４９１２３１００２", "11010519491231002X"),
        (" 110105 491231 002 ", "11010519491231002X"),
    ],
)
def test_fifteen_digit_legacy_id_is_upgraded_with_a_note(raw, upgraded):
    parsed = id_number_parse(raw, today=TODAY)

    assert parsed.number == upgraded
    assert parsed.upgraded_from == normalize_id_number(raw)
    assert parsed.note == f"15位旧号码 {parsed.upgraded_from} 已升级为18位 {upgraded}"


def test_id_upgrade_legacy():
    assert id_upgrade_legacy("110105491231002") == "11010519491231002X"
    assert id_upgrade_legacy("360426910101007") == "360426199101010071"


# --- invalid IDs: each message is Chinese and names the problem -----------------------------


@pytest.mark.parametrize(
    ("raw", "code", "phrase"),
    [
        ("", "id_empty", "证件号码不能为空"),
        ("   ", "id_empty", "证件号码不能为空"),
        (None, "id_empty", "证件号码不能为空"),
        # ID-02: 999999 is the placeholder for "no ID yet".
        ("999999197001010011", "id_placeholder", "无证占位号"),
        ("９９９９９９１９７００１０１００１１", "id_placeholder", "无证占位号"),
        ("999999", "id_placeholder", "无证占位号"),
        # ID-03: length.
        ("1101051949123100", "id_bad_length", "长度不正确"),
        ("11010519491231002X1", "id_bad_length", "长度不正确"),
        ("11010519491231002X123", "id_bad_length", "长度不正确"),
        ("11010519491231002X12345", "id_bad_length", "长度不正确"),
        # Characters: a letter other than a final X, or a letter in a 15-digit number.
        ("11010519491231002A", "id_bad_characters", "只能包含数字"),
        ("1101051949I231002X", "id_bad_characters", "只能包含数字"),
        ("X10105194912310021", "id_bad_characters", "只能包含数字"),
        ("11010549123100X", "id_bad_characters", "只能包含数字"),
        ("11010519491231002X12A4", "id_bad_characters", "只能包含数字"),
        # Digits of other scripts are not ASCII digits (a superscript used to crash int()).
        ("1101051949123100²X", "id_bad_characters", "只能包含数字"),
        # 20 characters: category must be 1–7 and grade 1–4.
        ("11010519491231002X82", "id_bad_disability_suffix", "残疾类别"),
        ("11010519491231002X45", "id_bad_disability_suffix", "残疾等级"),
        # ID-06: province prefix; 990105194912310023 has a correct check character.
        ("990105194912310023", "id_bad_province", "省份代码无效"),
        ("00010519491231002X", "id_bad_province", "省份代码无效"),
        # ID-05: not a real date (30 February; 29 February 1949; month 13); the check
        # characters are correct (S = 155, 190, 146).
        ("110105194902300020", "id_bad_birth_date", "出生日期无效"),
        ("110105194902290029", "id_bad_birth_date", "出生日期无效"),
        ("110105194913010029", "id_bad_birth_date", "出生日期无效"),
        # ID-05: a future date (today is 2024-06-01 here); 11010520300101001X is well-formed.
        ("11010520300101001X", "id_future_birth", "晚于今天"),
        # ID-04: the DOMAIN invalid vector.
        ("110105194912310021", "id_bad_check_digit", "校验位错误"),
        ("360426199101010070", "id_bad_check_digit", "校验位错误"),
        ("11010519491231002142", "id_bad_check_digit", "校验位错误"),
    ],
)
def test_invalid_ids(raw, code, phrase):
    error = parse_error(raw)

    assert error.code == code
    [message] = error.messages
    assert phrase in message
    assert_chinese(message)


def test_bad_check_digit_message_gives_the_expected_character():
    [message] = parse_error("110105194912310021").messages

    assert message == "公民身份号码校验位错误：最后一位应为 X"


def test_id_future_birth_uses_today_by_default():
    # 2999-01-01 is in the future whatever day the tests run; the check character is
    # recomputed here only to build the input, the assertion is on the refusal.
    first17 = "11010529990101001"
    with pytest.raises(ValidationError) as info:
        id_number_parse(first17 + id_check_character(first17))

    assert info.value.code == "id_future_birth"


@pytest.mark.parametrize("raw", ["11010519491231002X", "110105491231002"])
def test_validate_id_number_accepts(raw):
    assert validate_id_number(raw) is None


@pytest.mark.parametrize("raw", ["110105194912310021", "999999197001010011", "abc"])
def test_validate_id_number_refuses(raw):
    with pytest.raises(ValidationError):
        validate_id_number(raw)


# --- normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("11010519491231002x", "11010519491231002X"),
        ("'１１０１０５ 1949-1231 002ｘ\u00a0", "11010519491231002X"),
        ("110105－19491231－002X", "11010519491231002X"),
        ("\ufeff11010519491231002X\u200b", "11010519491231002X"),
        (110105491231002, "110105491231002"),
    ],
)
def test_normalize_id_number(raw, expected):
    assert normalize_id_number(raw) == expected


# --- ID-07 and ID-08: stored birth date and sex against the ID ------------------------------


def test_sex_matching_the_id_passes():
    parsed = id_number_parse("11010519491231002X", today=TODAY)

    assert validate_sex_matches_id(FEMALE, parsed) is None
    assert validate_sex_matches_id("9", parsed) is None  # 未说明的性别 is not a mismatch
    assert validate_sex_matches_id("", parsed) is None


@pytest.mark.parametrize(
    ("raw", "sex", "expected"),
    [
        ("11010519491231002X", MALE, "性别与证件号码不一致（证件号码第17位表示女性）"),
        ("360426199101010071", FEMALE, "性别与证件号码不一致（证件号码第17位表示男性）"),
    ],
)
def test_sex_mismatch_message(raw, sex, expected):
    parsed = id_number_parse(raw, today=TODAY)
    with pytest.raises(ValidationError) as info:
        validate_sex_matches_id(sex, parsed)

    assert info.value.code == "id_sex_mismatch"
    assert info.value.messages == [expected]


def test_birth_date_matching_the_id_passes():
    parsed = id_number_parse("11010519491231002X", today=TODAY)

    assert validate_birth_date_matches_id(datetime.date(1949, 12, 31), parsed) is None
    assert validate_birth_date_matches_id(None, parsed) is None


def test_birth_date_mismatch_message():
    parsed = id_number_parse("11010519491231002X", today=TODAY)
    with pytest.raises(ValidationError) as info:
        validate_birth_date_matches_id(datetime.date(1949, 12, 30), parsed)

    assert info.value.code == "id_birth_mismatch"
    assert info.value.messages == ["出生日期与证件号码不一致（证件号码中为 1949-12-31）"]


# --- phones (ID-10) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        (" 138 0013 8000 ", "13800138000"),
        ("+86 13800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("（0938）8212345", "09388212345"),
        (None, ""),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "13800138000",
        "19912345678",
        "+8613800138000",
        "１３８００１３８０００",
        "0938-8212345",
        "09388212345",
        "010-12345678",
        "(0938)8212345",
    ],
)
def test_valid_phones(raw):
    assert validate_phone(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "12800138000",  # no mobile prefix starts 12
        "23800138000",
        "abc",
        "1380013800O",  # letter O for zero
        "13\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660",  # Arabic-Indic digits
        "0938-821",
    ],
)
def test_invalid_phones(raw):
    with pytest.raises(ValidationError) as info:
        validate_phone(raw)

    assert info.value.code == "phone_invalid"
    assert info.value.messages == ["联系电话不是有效的11位手机号码或带区号的固定电话"]
