"""Haderslev Kommune (kommunekode 510) as the demo has it: schools, institutions, the guidance unit.

The names follow the local pattern (a school per town or district, *fællesskoler* of merged
villages); addresses and institution numbers are made up, as are all the people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from mentor.demo.school_year import calendar_entries, set_school_hours
from mentor.models import Organisation, OrganisationKind, Programme

MUNICIPALITY_NAME = "Haderslev"
MUNICIPALITY_CODE = "510"
# The school year 2026/27; the demo's dates fall in its autumn, never on the clock.
SCHOOL_YEAR_ENDS = 2027
AUTUMN_START = datetime(2026, 8, 17, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    address: str
    institution_number: str
    # Pupils in the programme per grade, roughly.
    pupils_per_grade: int
    classes_per_grade: int


@dataclass(frozen=True)
class InstitutionSpec:
    code: str
    name: str
    address: str
    institution_number: str
    # Programme code -> number of demo ambassadors studying it here.
    ambassadors: dict[str, int]


SCHOOLS: tuple[SchoolSpec, ...] = (
    SchoolSpec("HHSK", "Hertug Hans Skole", "Hertug Hans Vej 8, 6100 Haderslev", "561201", 20, 3),
    SchoolSpec("SBRO", "Sønderbro Skole", "Sønderbro 12, 6100 Haderslev", "561202", 19, 3),
    SchoolSpec("STAR", "Starup Skole", "Starupvej 70, 6100 Haderslev", "561203", 15, 2),
    SchoolSpec("ERLV", "Erlev Skole", "Erlevvej 30, 6100 Haderslev", "561204", 16, 2),
    SchoolSpec("VOJS", "Vojens Skole", "Skolegade 10, 6500 Vojens", "561205", 18, 3),
    SchoolSpec("GRAM", "Gram Skole", "Skolevej 5, 6510 Gram", "561206", 14, 2),
    SchoolSpec("HAML", "Hammelev Skole", "Skolevænget 2, 6500 Vojens", "561207", 12, 2),
    SchoolSpec("SKRY", "Skrydstrup Skole", "Skrydstrupvej 21, 6500 Vojens", "561208", 10, 1),
    SchoolSpec("SOMM", "Sommersted Skole", "Bygaden 14, 6560 Sommersted", "561209", 11, 1),
    SchoolSpec(
        "HOMV",
        "Fællesskolen Hoptrup-Marstrup-Vilstrup",
        "Hoptrup Hovedgade 45, 6100 Haderslev",
        "561210",
        13,
        2,
    ),
    SchoolSpec(
        "BEOJ",
        "Fællesskolen Bevtoft-Over Jerstal",
        "Bevtoft Bygade 3, 6541 Bevtoft",
        "561211",
        10,
        1,
    ),
    # A private school: pupils of private schools take part too.
    SchoolSpec("SEVR", "Sct. Severin Skole", "Ribevej 4, 6100 Haderslev", "561212", 12, 1),
)

TENTH_GRADE_CENTRE = SchoolSpec(
    "10KC", "10. Klassecenter Haderslev", "Åstrupvej 2, 6100 Haderslev", "561220", 62, 4
)

INSTITUTIONS: tuple[InstitutionSpec, ...] = (
    InstitutionSpec(
        "HADKAT",
        "Haderslev Katedralskole",
        "Tørvestien 2, 6100 Haderslev",
        "561301",
        {"STX": 18, "HF": 6},
    ),
    InstitutionSpec(
        "HHSH",
        "Haderslev Handelsskole",
        "Stadions Allé 2, 6100 Haderslev",
        "561302",
        {"HHX": 10, "EUX": 4, "EUD-KHF": 4, "EUD10": 0},
    ),
    InstitutionSpec(
        "EUCH",
        "EUC Syd, afdeling Haderslev",
        "Bane Allé 2, 6100 Haderslev",
        "561303",
        {"HTX": 9, "EUX": 3, "EUD-TBT": 4, "EUD-FJO": 2, "EUD10": 0},
    ),
    InstitutionSpec(
        "SOSU",
        "Social- og Sundhedsskolen Syd, Haderslev",
        "Christiansfeldvej 9, 6100 Haderslev",
        "561304",
        {"EUD-OSP": 9, "EUX": 3},
    ),
    InstitutionSpec(
        "FGUH",
        "FGU Sønderjylland, skolen i Haderslev",
        "Ryttergade 1, 6100 Haderslev",
        "561305",
        {"FGU": 8, "STU": 0},
    ),
)

GUIDANCE_UNIT_CODE = "KUI510"
GUIDANCE_UNIT_NAME = "Kommunal Ungeindsats Haderslev"
GUIDANCE_UNIT_ADDRESS = "Gåskærgade 26, 6100 Haderslev"


@dataclass(frozen=True)
class Municipality:
    schools: list[Organisation]
    tenth_grade_centre: Organisation
    institutions: list[Organisation]
    guidance_unit: Organisation

    @property
    def all_schools(self) -> list[Organisation]:
        return [*self.schools, self.tenth_grade_centre]


def demo_organisation_codes() -> list[str]:
    specs: list[SchoolSpec | InstitutionSpec] = [*SCHOOLS, TENTH_GRADE_CENTRE, *INSTITUTIONS]
    return [GUIDANCE_UNIT_CODE, *(spec.code for spec in specs)]


def _organisation(kind: OrganisationKind, spec: SchoolSpec | InstitutionSpec) -> Organisation:
    return Organisation(
        kind=kind,
        name=spec.name,
        code=spec.code,
        institution_number=spec.institution_number,
        municipality_name=MUNICIPALITY_NAME,
        municipality_code=MUNICIPALITY_CODE,
        address=spec.address,
        active=True,
    )


def build_municipality(session: Session, programmes: dict[str, Programme]) -> Municipality:
    """Add the organisations, the programmes each institution offers, the schools' hours and the
    school year's calendar; flush for their ids."""
    schools = [_organisation(OrganisationKind.PRIMARY_SCHOOL, spec) for spec in SCHOOLS]
    centre = _organisation(OrganisationKind.TENTH_GRADE_CENTRE, TENTH_GRADE_CENTRE)
    institutions = []
    for spec in INSTITUTIONS:
        institution = _organisation(OrganisationKind.YOUTH_INSTITUTION, spec)
        institution.programmes = [programmes[code] for code in spec.ambassadors]
        institutions.append(institution)
    unit = Organisation(
        kind=OrganisationKind.GUIDANCE_UNIT,
        name=GUIDANCE_UNIT_NAME,
        code=GUIDANCE_UNIT_CODE,
        institution_number=None,
        municipality_name=MUNICIPALITY_NAME,
        municipality_code=MUNICIPALITY_CODE,
        address=GUIDANCE_UNIT_ADDRESS,
        active=True,
    )
    set_school_hours([*schools, centre])
    session.add_all([*schools, centre, *institutions, unit, *calendar_entries()])
    session.flush()
    return Municipality(
        schools=schools, tenth_grade_centre=centre, institutions=institutions, guidance_unit=unit
    )
