"""Every page in Chinese shows Chinese: no English word, rule id or snake_case name reaches
the reader, outside the names of standards and formats (ICD-10, FHIR, Excel, PDF), the
product's name, the language switch and what users type (login names, codes)."""

from __future__ import annotations

import pytest

from tests.browser.walk import latin_words

pytestmark = pytest.mark.browser
# login names, typed by their users (`batch` settles the year's claims in bulk: the slip of
# such a settlement names it as its clerk)
USERNAMES = {"bureau", "clerk", "reviewer", "analyst", "auditor", "admin", "township", "batch",
             "office", "doctor"}  # fmt: skip


def test_no_english_in_chinese_pages(walk) -> None:  # type: ignore[no-untyped-def]
    found = {}
    for v in walk:
        if v.locale == "zh_Hans":
            words = latin_words(v.text, USERNAMES)
            if words:
                found[f"{v.role} {v.url}"] = sorted(words)
    assert not found, "\n".join(f"{k}: {' '.join(w[:20])}" for k, w in found.items())


def test_the_check_finds_english() -> None:
    assert latin_words("基本医疗 inpatient_poor 比例 basic/outpatient", set()) == {
        "inpatient_poor",
        "basic",
        "outpatient",
    }
    assert latin_words("诊断 I63.9 项目 S0002 导出 Excel ICD-10", set()) == set()
    # item names of the catalog, as they were: a Latin abbreviation or a letter in a word
    assert latin_words("CT平扫 磁共振成像(MRI) B超检查 胸部X线摄影", set()) == {
        "CT", "MRI", "B", "X"}  # fmt: skip
    assert latin_words("身份证号 34182119831211001X 1型糖尿病", set()) == set()
    assert latin_words("第k次服务 稳健z值", set()) == {"k", "z"}
