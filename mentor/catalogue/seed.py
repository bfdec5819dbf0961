"""Today's Danish youth-education programmes, the interests catalogue and the meeting topics.

The lists are the starting point an admin edits, not the truth the code relies on: a reform (the
2025 agreement on EPX, expected from about 2030) is recorded by editing the rows — ``valid_to`` on a
programme that closes, a new row for one that opens — without a release. ``seed_catalogues``
therefore only *inserts codes that are missing* and never touches an existing row: an admin's
edited name, label, order or retirement survives every later seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import (
    EudMainArea,
    Interest,
    InterestGroup,
    MeetingTopic,
    Programme,
    ProgrammeFamily,
)


@dataclass(frozen=True)
class ProgrammeSeed:
    code: str
    name_da: str
    name_en: str
    family: ProgrammeFamily
    eud_main_area: EudMainArea | None = None


G, V, P = ProgrammeFamily.GYMNASIAL, ProgrammeFamily.VOCATIONAL, ProgrammeFamily.PREPARATORY
Area = EudMainArea

# In the order of the list on ug.dk: the gymnasial programmes, EUX and EUD's four main areas
# (one row each, since pupils and ambassadors think in areas, not in "EUD"), then the rest.
PROGRAMMES: tuple[ProgrammeSeed, ...] = (
    ProgrammeSeed("STX", "Almen studentereksamen", "General upper secondary programme", G),
    ProgrammeSeed("HHX", "Højere handelseksamen", "Higher commercial examination programme", G),
    ProgrammeSeed("HTX", "Højere teknisk eksamen", "Higher technical examination programme", G),
    ProgrammeSeed("HF", "Højere forberedelseseksamen", "Higher preparatory examination", G),
    ProgrammeSeed(
        "EUX",
        "Erhvervsuddannelse med studentereksamen",
        "Vocational education with upper secondary examination",
        V,
    ),
    ProgrammeSeed(
        "EUD-OSP",
        "EUD – Omsorg, sundhed og pædagogik",
        "Vocational education – Care, health and pedagogy",
        V,
        Area.CARE_HEALTH_PEDAGOGY,
    ),
    ProgrammeSeed(
        "EUD-KHF",
        "EUD – Kontor, handel og forretningsservice",
        "Vocational education – Office, trade and business services",
        V,
        Area.OFFICE_TRADE_BUSINESS,
    ),
    ProgrammeSeed(
        "EUD-FJO",
        "EUD – Fødevarer, jordbrug og oplevelser",
        "Vocational education – Food, agriculture and hospitality",
        V,
        Area.FOOD_AGRICULTURE_EXPERIENCES,
    ),
    ProgrammeSeed(
        "EUD-TBT",
        "EUD – Teknologi, byggeri og transport",
        "Vocational education – Technology, construction and transport",
        V,
        Area.TECHNOLOGY_CONSTRUCTION_TRANSPORT,
    ),
    ProgrammeSeed("EUD10", "Erhvervsrettet 10. klasse", "Vocational 10th grade", V),
    ProgrammeSeed("FGU", "Forberedende grunduddannelse", "Preparatory basic education", P),
    ProgrammeSeed(
        "STU",
        "Særligt tilrettelagt ungdomsuddannelse",
        "Specially planned youth education",
        P,
    ),
)

# Group code, Danish and English label, then the group's interests (code, Danish, English).
INTEREST_GROUPS: tuple[tuple[str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("technology", "Teknologi og IT", "Technology and IT", (
        ("programming", "Programmering", "Programming"),
        ("gaming", "Computerspil og e-sport", "Video games and esports"),
        ("electronics", "Elektronik og robotter", "Electronics and robots"),
        ("inventing", "3D-print og opfindelser", "3D printing and inventing"),
    )),
    ("science", "Natur og naturvidenskab", "Nature and science", (
        ("animals", "Dyr", "Animals"),
        ("outdoors", "Natur og friluftsliv", "Nature and the outdoors"),
        ("maths", "Matematik", "Mathematics"),
        ("physics_chemistry", "Fysik og kemi", "Physics and chemistry"),
        ("climate", "Klima og miljø", "Climate and the environment"),
    )),
    ("creative", "Kreativitet og design", "Creativity and design", (
        ("art", "Tegning og kunst", "Drawing and art"),
        ("music", "Musik", "Music"),
        ("fashion", "Mode og tøj", "Fashion and clothes"),
        ("media", "Film, foto og video", "Film, photo and video"),
        ("design", "Design og indretning", "Design and interiors"),
    )),
    ("care", "Sundhed og omsorg", "Health and care", (
        ("helping", "At hjælpe andre", "Helping others"),
        ("children", "Børn og unge", "Children and young people"),
        ("health", "Krop og sundhed", "Body and health"),
        ("elderly", "Ældre mennesker", "Older people"),
    )),
    ("business", "Handel og økonomi", "Business and economics", (
        ("sales", "Salg og kundeservice", "Sales and customer service"),
        ("money", "Penge og økonomi", "Money and finance"),
        ("startup", "Iværksætteri", "Starting a business"),
        ("marketing", "Markedsføring og sociale medier", "Marketing and social media"),
    )),
    ("languages", "Sprog og kultur", "Languages and culture", (
        ("foreign_languages", "Fremmedsprog", "Foreign languages"),
        ("reading_writing", "Læsning og skrivning", "Reading and writing"),
        ("history", "Historie", "History"),
        ("travel", "Rejser og andre kulturer", "Travel and other cultures"),
    )),
    ("sport", "Sport og bevægelse", "Sport and exercise", (
        ("football", "Fodbold", "Football"),
        ("handball", "Håndbold", "Handball"),
        ("fitness", "Fitness og træning", "Fitness and training"),
        ("riding", "Heste og ridning", "Horses and riding"),
        ("dance", "Dans", "Dance"),
    )),
    ("crafts", "Håndværk og byggeri", "Crafts and construction", (
        ("carpentry", "Byggeri og tømrerarbejde", "Building and carpentry"),
        ("woodwork_metalwork", "Træ og metal", "Wood and metal work"),
        ("cars", "Biler og mekanik", "Cars and mechanics"),
        ("electrical", "El og installationer", "Electrical installation"),
    )),
    ("food", "Mad og jordbrug", "Food and agriculture", (
        ("cooking", "Madlavning", "Cooking"),
        ("baking", "Bagning", "Baking"),
        ("farming", "Landbrug og dyrehold", "Farming and livestock"),
        ("gardening", "Have og gartneri", "Gardening and horticulture"),
    )),
    ("society", "Samfund og mennesker", "Society and people", (
        ("politics", "Politik og samfund", "Politics and society"),
        ("psychology", "Psykologi", "Psychology"),
        ("volunteering", "Frivilligt arbejde", "Volunteering"),
        ("law", "Jura og retfærdighed", "Law and justice"),
    )),
)  # fmt: skip

# What an ambassador and pupils talk about, ticked in the meeting log: (code, Danish, English).
# Logs keep the code, so a code is never renamed; the admin edits labels or retires a topic.
MEETING_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("programmes", "Uddannelser", "Programmes"),
    ("student_life", "Hverdagen som elev", "Daily life as a student"),
    ("application", "Ansøgning og optagelse.dk", "Application and optagelse.dk"),
    ("doubts", "Tvivl", "Doubts"),
    ("other", "Andet", "Other"),
)


@dataclass(frozen=True)
class SeedCounts:
    """Rows ``seed_catalogues`` inserted (zero everywhere when the catalogues were complete)."""

    programmes: int
    interest_groups: int
    interests: int
    meeting_topics: int = 0

    @property
    def total(self) -> int:
        return self.programmes + self.interest_groups + self.interests + self.meeting_topics


def seed_catalogues(session: Session) -> SeedCounts:
    """Insert the programmes, interest groups, interests and meeting topics whose codes are
    missing; flush.

    Idempotent: a second call inserts nothing. Existing rows are never updated, so an admin's
    edits (labels, order, ``active``, validity dates) are kept; a code the admin renamed away is
    inserted again, since the code is the identity the seed knows.
    """
    programme_codes = set(session.scalars(select(Programme.code)))
    new_programmes = [
        Programme(
            code=seed.code,
            name_da=seed.name_da,
            name_en=seed.name_en,
            family=seed.family,
            eud_main_area=seed.eud_main_area,
            sort_order=10 * position,
        )
        for position, seed in enumerate(PROGRAMMES, start=1)
        if seed.code not in programme_codes
    ]

    groups = {group.code: group for group in session.scalars(select(InterestGroup))}
    interest_codes = set(session.scalars(select(Interest.code)))
    new_groups: list[InterestGroup] = []
    new_interests: list[Interest] = []
    position = 0
    for group_position, (group_code, label_da, label_en, interests) in enumerate(
        INTEREST_GROUPS, start=1
    ):
        group = groups.get(group_code)
        if group is None:
            group = InterestGroup(
                code=group_code,
                label_da=label_da,
                label_en=label_en,
                sort_order=10 * group_position,
            )
            new_groups.append(group)
        for code, interest_da, interest_en in interests:
            position += 1
            if code not in interest_codes:
                new_interests.append(
                    Interest(
                        code=code,
                        label_da=interest_da,
                        label_en=interest_en,
                        group=group,
                        active=True,
                        sort_order=10 * position,
                    )
                )

    topic_codes = set(session.scalars(select(MeetingTopic.code)))
    new_topics = [
        MeetingTopic(
            code=code, label_da=label_da, label_en=label_en, active=True, sort_order=10 * position
        )
        for position, (code, label_da, label_en) in enumerate(MEETING_TOPICS, start=1)
        if code not in topic_codes
    ]

    session.add_all([*new_programmes, *new_groups, *new_interests, *new_topics])
    session.flush()
    return SeedCounts(
        programmes=len(new_programmes),
        interest_groups=len(new_groups),
        interests=len(new_interests),
        meeting_topics=len(new_topics),
    )
