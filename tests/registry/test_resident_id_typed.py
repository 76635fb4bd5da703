"""An ID as typed: full-width forms of a Chinese input method and a small x are the ID, by the
one rule (``as_typed``) every lookup and the parser use; other look-alikes are not."""

from __future__ import annotations

import pytest

from safetynet.registry.resident_id import ResidentIdError, as_typed, parse_resident_id

ID_X = "11010519491231002X"


def test_full_width_and_a_small_x_are_the_id() -> None:
    assert as_typed(" １１０１０５１９４９１２３１００２ｘ\u3000") == ID_X
    assert parse_resident_id("11010519491231002x").number == ID_X
    assert parse_resident_id("１１０１０５１９４９１２３１００２Ｘ").number == ID_X


@pytest.mark.parametrize("raw", ["١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "11010519491231002\u2169", "\u200f" + ID_X])
def test_other_digits_and_marks_are_refused(raw: str) -> None:
    with pytest.raises(ResidentIdError):
        parse_resident_id(raw)
