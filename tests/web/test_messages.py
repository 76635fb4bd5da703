"""Errors as a person reads them: the catalog's sentence in their language, the field by its
translated name, the role translated — no code, field id or validator English."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from safetynet.settlement.submission import ClaimSubmission
from safetynet.web.i18n import translations
from safetynet.web.messages import CODES, error_text, field_name

LATIN = re.compile(r"[A-Za-z]{2,}")
zh = translations("zh_Hans").gettext
en = translations("en").gettext


def _window_error(body: dict) -> tuple[str, str]:  # type: ignore[type-arg]
    """(message, field) as the window builds them from the submission's validation."""
    with pytest.raises(ValidationError) as exc:
        ClaimSubmission.model_validate(body)
    first = exc.value.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}", where


CLAIM = {"resident_id": "341821198312110016", "institution_code": "H1", "kind": "inpatient",
         "date": "2017-03-05", "items": [{"code": "D0001", "amount": "10.00"}]}  # fmt: skip


def test_discharge_before_admission_in_chinese() -> None:
    message, field = _window_error({**CLAIM, "discharge_date": "2017-03-01"})
    assert "discharge_date" in message  # what the page showed before
    text = error_text("claim_invalid", message, field, zh)
    assert text == "出院日期早于入院日期。"
    assert error_text("claim_invalid", message, field, en) == (
        "The discharge date is before the admission date."
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"date": "2017-02-30"}, "就诊或入院日期不是有效日期"),
        (
            {"items": [{"code": "D0001", "amount": "10.00", "quantity": 0}]},
            "项目 第1行: 数量过小",
        ),
        ({"kind": "dental"}, "类别不是可选的值"),
    ],
)
def test_field_errors_name_the_field_in_chinese(change: dict, expected: str) -> None:  # type: ignore[type-arg]
    message, field = _window_error({**CLAIM, **change})
    text = error_text("claim_invalid", message, field, zh)
    assert not LATIN.search(text), text
    assert text == expected, text


def test_forbidden_names_the_role_in_the_language() -> None:
    text = error_text("forbidden", "the role analyst may not do this", None, zh, role="analyst")
    assert "analyst" not in text and "分析" in text


def test_every_code_has_chinese_without_english() -> None:
    for code in CODES:
        text = error_text(code, "english fallback", "date", zh, role="clerk")
        assert not LATIN.search(text), (code, text)


def test_field_name_of_a_nested_field() -> None:
    assert field_name("items.2.amount", en) == "Items line 3: Amount (yuan)"


def test_an_unknown_item_names_the_code_typed() -> None:
    message = "item code 'NOPE01' is not in the catalog"
    assert (
        error_text("item_unknown", message, "items[0].code", zh) == "项目编码 NOPE01 不在目录中。"
    )
    assert field_name("items[0].code", en) == "Items line 1: Item code"


def test_an_unknown_region_names_its_code() -> None:
    text = error_text("region_unknown", "no region 999999999 in your region", "region", zh)
    assert text == "您的辖区内没有地区 999999999。"
