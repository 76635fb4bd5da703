"""The early-warning vocabulary shared by the models, the services and the pages."""

from __future__ import annotations

from enum import StrEnum


class MonitoredCategory(StrEnum):
    """The households monitored to prevent (a return to) poverty (防止返贫监测对象).

    They sit beside the poverty status (:class:`safetynet.codes.PovertyStatus`): an exited
    household can be monitored as unstable, any household as in sudden hardship. A household
    whose poverty status is ``marginal`` is monitored as marginal without a period here.
    """

    UNSTABLE_EXITED = "unstable_exited"  # 脱贫不稳定户
    MARGINAL = "marginal"  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship"  # 突发严重困难户


class IncomeSource(StrEnum):
    DECLARED = "declared"  # 农户申报
    POVERTY_OFFICE = "poverty_office"  # 乡村振兴（扶贫）部门


class WarningState(StrEnum):
    """Where a warning is in the monitoring workflow."""

    OPEN = "open"  # detected, to be verified by the township
    VERIFIED = "verified"  # home visit done
    HANDED_OVER = "handed_over"  # packet sent to civil affairs and the poverty office
    MEASURES = "measures"  # at least one measure recorded; monthly follow-up
    CLOSED = "closed"  # below the lines for the months the rules ask
    DISMISSED = "dismissed"  # the visit found no risk
