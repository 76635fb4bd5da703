"""Masking for public outputs: the scalar rules and their Polars expressions agree."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetynet.registry.masking import (
    mask_birth_date,
    mask_id_expr,
    mask_name,
    mask_name_expr,
    mask_resident_id,
    mask_resident_id_tail,
    masked_identity,
)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳建国", "欧**国"),
        ("阿卜杜·热合曼", "阿*****曼"),
        ("张", "*"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("340421195001011234", "3404**********1234"),
        ("11010519491231002X", "1101**********002X"),
        ("340421500101123", "3404*******1123"),  # an old 15-digit number
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_mask_resident_id(number: str, masked: str) -> None:
    assert mask_resident_id(number) == masked


def test_expressions_keep_nulls_and_accept_expressions() -> None:
    frame = pl.DataFrame({"name": ["张三丰", None], "id": [None, "340421195001011234"]})
    out = frame.select(mask_name_expr("name").alias("name"), mask_id_expr(pl.col("id")).alias("id"))
    assert out.to_dict(as_series=False) == {
        "name": ["张*丰", None],
        "id": [None, "3404**********1234"],
    }


texts = st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=25), max_size=30)


@given(texts)
def test_name_expression_agrees_with_scalar(values: list[str]) -> None:
    got = pl.DataFrame({"v": values}, schema={"v": pl.String}).select(mask_name_expr("v"))
    assert got.to_series().to_list() == [mask_name(v) for v in values]


@given(texts)
def test_id_expression_agrees_with_scalar(values: list[str]) -> None:
    got = pl.DataFrame({"v": values}, schema={"v": pl.String}).select(mask_id_expr("v"))
    assert got.to_series().to_list() == [mask_resident_id(v) for v in values]


@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=3))
def test_masked_name_reveals_only_its_ends(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0] and masked[-1] == name[-1]
    assert set(masked[1:-1]) <= {"*"}


def test_a_role_masked_identity_hides_the_birth_date_and_the_id_tail_together() -> None:
    shown = masked_identity("张三丰", "340421195001011234", date(1950, 1, 1))
    assert shown == ("张*丰", "3404**************", "1950")
    assert mask_birth_date(date(1950, 12, 31)) == "1950"
    assert mask_resident_id_tail("11010519491231002X") == "1101**************"
    assert mask_resident_id_tail("123") == "123"
