"""A small registry for the recomputation tests, built through households.services.

County a (431202, 湖南, central) of tests.access.build_world, villages v0/v1/v2 with rural
populations 100/200/300. Households (3 members each: head, spouse, son born 2005 in 九年级):
- h1 (v0): 2018 wage 6,000 (per capita 2,000), housing not met; 2019 wage 12,000 (4,000),
  all guarantees met; spouse and son without medical insurance (as build_world makes them);
- h2 (v0): 2019 wage 9,654 (per capita exactly 3,218.00), all met, every member insured;
- h3 (v1): exited in 2019; 2019 wage 12,000 (4,000), 2020 wage 6,000 (2,000), all met,
  every member insured.
"""

from __future__ import annotations

from dataclasses import dataclass

from households.services import (
    annual_income_save,
    guarantee_status_save,
    household_update,
    member_save,
)
from tests.access import World, build_world

ALL_MET = dict.fromkeys(("food", "clothing", "education", "medical", "housing", "water"), "met")
POPULATIONS = (100, 200, 300)


@dataclass
class Scenario:
    world: World
    h1: object
    h2: object
    h3: object

    @property
    def county(self):
        return self.world.counties["a"]


def income(household, year: int, wage: int) -> None:
    annual_income_save(
        actor=None,
        household=household,
        year=year,
        data={"wage": wage, "household_size": 3},
        expected_version=None,
    )


def guarantees(household, year: int, **states) -> None:
    guarantee_status_save(
        actor=None,
        household=household,
        year=year,
        data={**ALL_MET, **states},
        expected_version=None,
    )


def insure_everyone(household) -> None:
    for member in household.members.all():
        member_save(
            actor=None,
            household=household,
            member=member,
            data={"has_resident_medical_insurance": True},
            expected_version=None,
        )


def build_scenario() -> Scenario:
    world = build_world()
    county = world.counties["a"]
    for village, population in zip(county.villages, POPULATIONS, strict=True):
        village.rural_population = population
        village.save(update_fields=["rural_population"])
    h1, h2 = county.households[0], county.households[1]
    h3 = county.households[2]
    income(h1, 2018, 6000)
    guarantees(h1, 2018, housing="not_met")
    income(h1, 2019, 12000)
    guarantees(h1, 2019)
    insure_everyone(h2)
    income(h2, 2019, 9654)
    guarantees(h2, 2019)
    insure_everyone(h3)
    household_update(
        actor=None,
        household=h3,
        data={"status": "exited", "exit_year": 2019},
        expected_version=None,
    )
    income(h3, 2019, 12000)
    guarantees(h3, 2019)
    income(h3, 2020, 6000)
    guarantees(h3, 2020)
    return Scenario(world=world, h1=h1, h2=h2, h3=h3)
