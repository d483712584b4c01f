"""The whole answer to "when does X exit?": pure functions over plain values, no ORM.

- ``household_exit_verdict`` (household_exit.py): can a household exit poverty this year;
- ``household_monitoring_flags`` (monitoring.py): should an exited household be monitored;
- ``village_exit_verdict`` (village_exit.py): can a poor village exit (出列);
- ``county_exit_verdict`` (county_exit.py): can a poor county be lifted (摘帽);
- ``StandardSet`` / ``StandardView`` (standards.py): which standard applies where and when;
- ``checklist_evaluate`` (checklist.py): provincial and local checklists;
- ``ranking_compute`` (rankings.py): weighted rankings of townships and villages.

Every reason code is documented in docs/rules.md.
"""

from assessment.rules.base import Reason, Verdict
from assessment.rules.checklist import checklist_evaluate
from assessment.rules.county_exit import CountyFacts, county_exit_verdict
from assessment.rules.household_exit import HouseholdFacts, MemberFacts, household_exit_verdict
from assessment.rules.monitoring import household_monitoring_flags
from assessment.rules.rankings import RankedUnit, RankingUnit, ranking_compute
from assessment.rules.standards import ChecklistRow, StandardRow, StandardSet, StandardView
from assessment.rules.village_exit import VillageFacts, village_exit_verdict

__all__ = [
    "ChecklistRow",
    "CountyFacts",
    "HouseholdFacts",
    "MemberFacts",
    "RankedUnit",
    "RankingUnit",
    "Reason",
    "StandardRow",
    "StandardSet",
    "StandardView",
    "Verdict",
    "VillageFacts",
    "checklist_evaluate",
    "county_exit_verdict",
    "household_assess",
    "household_exit_verdict",
    "household_monitoring_flags",
    "ranking_compute",
    "village_exit_verdict",
]


def household_assess(facts: HouseholdFacts, standards: StandardView) -> Verdict:
    """The exit verdict with the monitoring flags attached (what pages, API and jobs show)."""
    verdict = household_exit_verdict(facts, standards)
    flags = household_monitoring_flags(facts, standards)
    if flags:
        verdict.monitor = True
        verdict.monitor_flags = flags
    return verdict
