"""Assessment models: standards and checklists (data), figures people enter, derived tables
written by jobs, rankings and procedures."""

from assessment.models.inputs import CountyAssessmentFigures
from assessment.models.procedures import (
    HouseholdYearLock,
    Procedure,
    ProcedureObjection,
    ProcedureStep,
)
from assessment.models.rankings import RankingConfig, RankingEntry
from assessment.models.standards import ChecklistItem, PolicyStandard
from assessment.models.verdicts import (
    HouseholdReadiness,
    MonitoringFlag,
    ReasonSet,
    RecomputeState,
    RegionReadiness,
    RegionStatistic,
)

__all__ = [
    "ChecklistItem",
    "CountyAssessmentFigures",
    "HouseholdReadiness",
    "HouseholdYearLock",
    "MonitoringFlag",
    "PolicyStandard",
    "Procedure",
    "ProcedureObjection",
    "ProcedureStep",
    "RankingConfig",
    "RankingEntry",
    "ReasonSet",
    "RecomputeState",
    "RegionReadiness",
    "RegionStatistic",
]
