"""The shipped catalogs' Chinese names — the items a window lists and a slip prints, the
disease lists, the indicators' definitions — hold no Latin word or letter (CT, MRI, B超, X线
were shown as such in Chinese mode): a person reading Chinese reads Chinese."""

from __future__ import annotations

import csv
import re
from importlib import resources

import yaml

from safetynet.catalogs.items import load_items

HAN = r"\u3400-\u9fff"
LATIN = re.compile(rf"[A-Za-z]{{2,}}|(?<=[{HAN}])[A-Za-z](?![A-Za-z0-9])|[A-Za-z](?=[{HAN}])")
# names of standards a Chinese text keeps as they are written
KEPT = re.compile(r"ICD-10|ICD")


def _latin(text: str) -> list[str]:
    return LATIN.findall(KEPT.sub("", text))


def test_item_names_are_chinese() -> None:
    names = load_items()["name"].to_list()
    assert len(names) > 30
    bad = {n: _latin(n) for n in names if _latin(n)}
    assert not bad, bad
    assert {"计算机断层扫描检查(平扫)", "磁共振成像检查", "超声检查(腹部)"} <= set(names)


def test_list_names_and_indicator_definitions_are_chinese() -> None:
    data = resources.files("safetynet.catalogs") / "data"
    for name in ("lists.csv", "disease_lists.csv"):
        rows = list(csv.DictReader(data.joinpath(name).open(encoding="utf-8")))
        bad = [r["name_zh"] for r in rows if _latin(r["name_zh"])]
        assert not bad, (name, bad)
    text = (resources.files("safetynet.indicators") / "definitions.yaml").read_text("utf-8")
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).endswith("_zh") and isinstance(value, str) and _latin(value):
                    found.append((key, _latin(value), value[:40]))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(text))
    assert not found, found


def test_the_check_finds_latin() -> None:
    assert _latin("CT平扫 磁共振成像(MRI) B超检查 胸部X线摄影 第k次") == [
        "CT",
        "MRI",
        "B",
        "X",
        "k",
    ]
    assert _latin("诊断（ICD-10编码） 1型糖尿病 S0002") == []
