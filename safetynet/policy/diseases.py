"""Disease groups of a policy: resolve them to ICD-10 prefixes and match diagnoses to bits."""

from __future__ import annotations

import polars as pl

from safetynet.policy.schema import Policy


def group_prefixes(policy: Policy) -> dict[str, tuple[str, ...]]:
    """Each disease group's ICD-10 code prefixes (its own, plus its catalog list's)."""
    needs_catalog = any(g.catalog_list for g in policy.diseases.values())
    lists = None
    if needs_catalog:
        from safetynet.catalogs.diseases import load_disease_lists

        lists = load_disease_lists()
    out: dict[str, tuple[str, ...]] = {}
    for name, group in policy.diseases.items():
        prefixes = list(group.icd_prefixes)
        if group.catalog_list:
            assert lists is not None
            found = lists.filter(pl.col("list_code") == group.catalog_list)
            if found.is_empty():
                raise ValueError(
                    f"disease group {name!r} refers to catalog list {group.catalog_list!r}, "
                    "which the catalog does not have"
                )
            prefixes += found.get_column("icd_prefix").to_list()
        out[name] = tuple(sorted({p.upper().replace(".", "") for p in prefixes}))
    return out


def disease_mask_expr(prefixes: dict[str, tuple[str, ...]], column: str = "diagnosis") -> pl.Expr:
    """A vectorised expression: bit i set when the diagnosis starts with a prefix of group i."""
    code = pl.col(column).fill_null("").str.to_uppercase().str.replace_all(r"\.", "")
    mask = pl.lit(0, pl.Int64)
    for i, group in enumerate(prefixes.values()):
        if group:
            hit = pl.any_horizontal([code.str.starts_with(p) for p in group])
            mask = mask | pl.when(hit).then(pl.lit(1 << i, pl.Int64)).otherwise(0)
    return mask


# per prefixes object (kept with its masks, so its id is not reused while they live):
# the expression, and the mask of each diagnosis met so far
_ONLINE: dict[int, tuple[dict[str, tuple[str, ...]], pl.Expr, dict[str | None, int]]] = {}


def disease_mask(prefixes: dict[str, tuple[str, ...]], diagnosis: str | None) -> int:
    """The same rule for one diagnosis (online): :func:`disease_mask_expr` on a one-row
    frame, once per distinct diagnosis (a millisecond), then remembered (well under a
    microsecond), so there is one definition of the match."""
    held = _ONLINE.get(id(prefixes))
    if held is None or held[0] is not prefixes:
        held = _ONLINE[id(prefixes)] = (prefixes, disease_mask_expr(prefixes), {})
    masks = held[2]
    mask = masks.get(diagnosis)
    if mask is None:
        frame = pl.DataFrame({"diagnosis": [diagnosis]}, schema={"diagnosis": pl.String})
        mask = masks[diagnosis] = int(frame.select(held[1]).item())
    return mask
