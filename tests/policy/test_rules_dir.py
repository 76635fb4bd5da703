"""A deployment's own rule files (``SAFETYNET_RULES_DIR``): one subfolder per capability whose
``*.yaml`` files are candidates beside the shipped ones, chosen by the same rules (a county's
own file for its region and date, else the national one), a file of a shipped name replacing
it; a malformed one refused naming file and line (at use and when the server starts); the
setting unset changes nothing. Real files in ``tmp_path``; the setting by the environment."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from safetynet.early_warning import rules as ew_rules
from safetynet.funds import rules as fund_rules
from safetynet.policy.tree import PolicyError
from safetynet.programmes import rules as programme_rules
from safetynet.review import params as review_params
from safetynet.review.errors import ReviewError
from safetynet.review.sampling import stratum_of
from safetynet.rules_check import check_rules_dir
from safetynet.supervision import rules as supervision_rules
from safetynet.supervision.window import ScreeningSettingError, window_rules
from safetynet.web.app import create_app

LANGXI, OTHER = "341821100201", "340422100201"  # a village of Langxi, one of another county
ON = dt.date(2021, 6, 1)


def _own(tmp_path: Path, capability: str, name: str, text: str) -> Path:
    folder = tmp_path / "rules" / capability
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAFETYNET_RULES_DIR", str(tmp_path / "rules"))


def _shipped_text(folder: Path, stem: str) -> str:
    return (folder / f"{stem}.yaml").read_text(encoding="utf-8")


def _swap(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


# --- early warning -----------------------------------------------------------------------


def _ew_county() -> str:
    text = _shipped_text(ew_rules.FILES, "county-2018")
    text = _swap(text, "id: county-2018", "id: deployment-341821")
    return re.sub(r"(?m)^region: null.*$", 'region: "341821"', text, count=1)


def test_an_early_warning_file_of_the_folder_is_its_countys_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _own(tmp_path, "early_warning", "deployment-341821.yaml", _ew_county())
    assert ew_rules.rules_for(LANGXI, ON).id == "county-2018"  # unset: the shipped one
    _use(monkeypatch, tmp_path)
    assert ew_rules.rules_for(LANGXI, ON).id == "deployment-341821"
    assert ew_rules.rules_for("341821", ON).id == "deployment-341821"
    assert ew_rules.rules_for(OTHER, ON).id == "county-2018"
    assert ew_rules.rules_for("", ON).id == "county-2018"
    assert "deployment-341821" in {s.id for s in ew_rules.rule_sets()}
    check_rules_dir()  # sound
    monkeypatch.delenv("SAFETYNET_RULES_DIR")
    assert ew_rules.rules_for(LANGXI, ON).id == "county-2018"
    assert "deployment-341821" not in {s.id for s in ew_rules.rule_sets()}


def test_an_early_warning_file_of_a_shipped_name_replaces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _swap(_shipped_text(ew_rules.FILES, "county-2018"), "title_en:", "title_en: Own -")
    _own(tmp_path, "early_warning", "county-2018.yaml", text)
    _use(monkeypatch, tmp_path)
    found = [s for s in ew_rules.rule_sets() if s.id == "county-2018"]
    assert len(found) == 1 and found[0].title_en.startswith("Own -")
    assert ew_rules.rules_for(OTHER, ON) is found[0]


# --- programmes ----------------------------------------------------------------------------


def test_a_programme_file_of_the_folder_is_its_countys_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _shipped_text(programme_rules.FILES, "national-2017")
    text = _swap(text, "id: national-2017", "id: deployment-341821")
    text = _swap(text, "region: null", 'region: "341821"')
    _own(tmp_path, "programmes", "deployment-341821.yaml", text)
    assert programme_rules.rules_for(LANGXI, ON).id == "national-2017"
    _use(monkeypatch, tmp_path)
    assert programme_rules.rules_for(LANGXI, ON).id == "deployment-341821"
    assert programme_rules.rules_for(OTHER, ON).id == "national-2017"
    assert programme_rules.rules_by_id("deployment-341821") is not None
    found = {r.id: codes for r, codes in programme_rules.programmes_of([LANGXI, OTHER], ON)}
    assert found == {"deployment-341821": [LANGXI], "national-2017": [OTHER]}
    monkeypatch.delenv("SAFETYNET_RULES_DIR")
    assert programme_rules.rules_for(LANGXI, ON).id == "national-2017"


# --- supervision ---------------------------------------------------------------------------

OWN_SCREENING = """id: deployment-340422
extends: anhui-2021
title_en: Another county's screening rules
title_zh: 邻县医保基金监管筛查规则
region: "340422"
valid_from: 2021-05-01
source: own
sources:
  own:
    document: 邻县筛查规则
    confidence: doc
rules:
  - id: out-of-catalog-share
    params:
      max_share: {value: 10, unit: percent}
"""


def test_a_screening_file_of_the_folder_is_named_in_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _own(tmp_path, "supervision", "deployment-340422.yaml", OWN_SCREENING)
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "deployment-340422")
    with pytest.raises(ScreeningSettingError, match="file not found"):
        window_rules()  # unset: no such file
    _use(monkeypatch, tmp_path)
    rules = window_rules()
    assert rules is not None and rules.id == "deployment-340422" and rules.region == "340422"
    own = next(r for r in rules.rules if r.id == "out-of-catalog-share")
    assert own.params.max_share.value == 10  # type: ignore[union-attr]
    parent_file = rules.chain()[1]
    assert parent_file.id == "anhui-2021"
    # the county's claims are screened with its own file, another county's with the parent
    assert rules.layer_of(OTHER) == 0 and rules.layer_of(LANGXI) == 1
    parent = next(r for r in parent_file.rules if r.id == "out-of-catalog-share")
    assert parent.params.max_share.value == 15  # type: ignore[union-attr]
    assert "deployment-340422" in supervision_rules.shipped_rule_files()
    assert supervision_rules.load_rules("deployment-340422.yaml").id == "deployment-340422"


def test_a_screening_file_of_a_shipped_name_replaces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _shipped_text(supervision_rules.RULES_DIR, "anhui-langxi-2021")
    text = _swap(text, "max_share: {value: 15,", "max_share: {value: 12,")
    _own(tmp_path, "supervision", "anhui-langxi-2021.yaml", text)
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "anhui-langxi-2021")
    _use(monkeypatch, tmp_path)
    rules = window_rules()
    assert rules is not None
    share = next(r for r in rules.rules if r.id == "out-of-catalog-share")
    assert share.params.max_share.value == 12  # type: ignore[union-attr]


# --- funds and review ----------------------------------------------------------------------


def test_a_funds_file_of_the_default_name_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = fund_rules.default_rules()
    text = _swap(_shipped_text(fund_rules.FILES, "county-2018"), "title_en:", "title_en: Own -")
    _own(tmp_path, "funds", "county-2018.yaml", text)
    _use(monkeypatch, tmp_path)
    own = fund_rules.default_rules()
    assert own.title_en.startswith("Own -") and not shipped.title_en.startswith("Own -")
    monkeypatch.delenv("SAFETYNET_RULES_DIR")
    assert fund_rules.default_rules() is shipped


def test_a_review_file_of_the_folder_is_its_countys_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _shipped_text(review_params.FILES, "langxi-2021")
    text = _swap(text, "id: langxi-2021", "id: deployment-340422")
    text = _swap(text, 'region: "341821"', 'region: "340422"')
    text = _swap(text, "min_score: 3.0,", "min_score: 2.5,")  # the high-risk stratum's line
    _own(tmp_path, "review", "deployment-340422.yaml", text)
    _use(monkeypatch, tmp_path)
    own, shipped = review_params.params_on(ON, OTHER), review_params.params_on(ON, LANGXI)
    assert (own.id, shipped.id) == ("deployment-340422", "langxi-2021")
    assert stratum_of(2.5, own.sampling) == "high"  # at the county's line
    assert stratum_of(2.49, own.sampling) == "medium"  # just under it
    assert stratum_of(2.5, shipped.sampling) == "medium"  # Langxi's line is 3.0
    monkeypatch.delenv("SAFETYNET_RULES_DIR")
    with pytest.raises(ReviewError, match="no review parameters"):
        review_params.params_on(ON, OTHER)


# --- malformed files -----------------------------------------------------------------------

BAD = {
    "early_warning": ("county-2018", ew_rules.FILES),
    "programmes": ("national-2017", programme_rules.FILES),
    "supervision": ("anhui-2021", supervision_rules.RULES_DIR),
    "funds": ("county-2018", fund_rules.FILES),
    "review": ("langxi-2021", review_params.FILES),
}


def _use_of(capability: str) -> object:
    if capability == "early_warning":
        return ew_rules.rules_for(LANGXI, ON)
    if capability == "programmes":
        return programme_rules.rules_for(LANGXI, ON)
    if capability == "supervision":
        return supervision_rules.load_rules("broken")
    if capability == "funds":
        return fund_rules.load_rules("broken")
    return review_params.params_on(ON, LANGXI)


@pytest.mark.parametrize("capability", sorted(BAD))
def test_a_malformed_file_is_refused_naming_file_and_line(
    capability: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stem, shipped = BAD[capability]
    lines = _shipped_text(shipped, stem).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("valid_from:"))
    lines.insert(at + 1, "no_such_key: 1")
    _own(tmp_path, capability, "broken.yaml", "\n".join(lines) + "\n")
    _use(monkeypatch, tmp_path)
    where = re.compile(rf"broken\.yaml:{at + 2}\b.*no_such_key|no_such_key.*broken\.yaml:{at + 2}")
    with pytest.raises(PolicyError) as used:
        _use_of(capability)
    assert where.search(str(used.value)), str(used.value)
    with pytest.raises(PolicyError) as started:
        create_app()
    assert where.search(str(started.value)), str(started.value)


def test_a_folder_no_capability_reads_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _own(tmp_path, "early-warning", "county.yaml", "id: x\n")
    _own(tmp_path, "funds", "county-2018.yml", "id: x\n")
    _use(monkeypatch, tmp_path)
    with pytest.raises(PolicyError) as found:
        check_rules_dir()
    text = str(found.value)
    assert "early-warning" in text and "county-2018.yml" in text
    monkeypatch.setenv("SAFETYNET_RULES_DIR", str(tmp_path / "missing"))
    with pytest.raises(PolicyError, match="no such folder"):
        check_rules_dir()


def test_the_window_screens_a_countys_claims_with_the_folders_file_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A county file of the folder that extends a province file beside it (both only in the
    folder), named in SAFETYNET_SCREENING_RULES: its 5 % out-of-catalog share flags its
    county's claim one fen over the line and not at it; a claim of another county of the
    province is screened with the province's 15 %."""
    from tests.supervision.test_rule_regions import COUNTY, GUANGDE, PROVINCE, _frames, _hits

    _own(tmp_path, "supervision", "test-province.yaml", PROVINCE.format(region='"34"'))
    _own(tmp_path, "supervision", "test-county.yaml", COUNTY.format(region='"341821"'))
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "test-county")
    _use(monkeypatch, tmp_path)
    rules = window_rules()
    assert rules is not None and rules.id == "test-county"

    def share_hits(fen: int) -> set[str]:
        found = _hits(rules, _frames(fen, {"lx": LANGXI, "gd": GUANGDE}))
        return {c for c, rule in found if rule == "out-of-catalog-share"}

    assert share_hits(500) == set()  # 5.00 % of 100 yuan: at the county's line
    assert share_hits(501) == {"c-lx"}  # one fen over: the county's claim only
    assert share_hits(1501) == {"c-lx", "c-gd"}  # over the province's 15 % too


def test_a_file_of_a_shipped_id_under_another_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replacing is by name: a copy of the national file under another name would be a second
    candidate of the same id."""
    _own(tmp_path, "early_warning", "mine.yaml", _shipped_text(ew_rules.FILES, "county-2018"))
    _use(monkeypatch, tmp_path)
    with pytest.raises(PolicyError, match=r"mine\.yaml: id: 'county-2018' is already the id"):
        check_rules_dir()
    (tmp_path / "rules" / "early_warning" / "mine.yaml").rename(
        tmp_path / "rules" / "early_warning" / "county-2018.yaml"
    )
    check_rules_dir()  # the same file under the shipped name replaces it
