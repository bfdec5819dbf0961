"""Plain records that callers hand to the library: no database, no web framework."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Pupil:
    """A pupil in grades 7-10 who may get an ambassador.

    Parameters
    ----------
    id : str
        Stable identifier; ties in the assignment are broken by it.
    school, municipality : str
        The pupil's primary school and its municipality.
    grade : int
        School grade (7-10).
    interests : tuple of str
        Interest tags from the programme's catalogue, e.g. ``("robotter", "design")``.
    programmes : tuple of str
        Programmes the pupil is curious about, most wanted first, e.g. ``("HTX", "EUX")``.
    languages : tuple of str
        Languages the pupil speaks, e.g. ``("dansk", "arabisk")``.
    availability : tuple of int
        Weekly time slots (numbers chosen by the caller) when the pupil can meet.
    location : tuple of float or None
        ``(east_km, north_km)`` of the home municipality, for the proximity feature.
    priority : bool
        The counsellor's priority pupils are matched first.

    Examples
    --------
    >>> Pupil(id="p1", school="Hertug Hans Skole", grade=8, interests=("robotter",)).grade
    8
    """

    id: str
    school: str = ""
    municipality: str = ""
    grade: int = 8
    interests: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    availability: tuple[int, ...] = ()
    location: tuple[float, float] | None = None
    priority: bool = False


@dataclass(frozen=True, kw_only=True)
class Ambassador:
    """A student in youth education who mentors pupils.

    Parameters
    ----------
    id : str
        Stable identifier; ties in the assignment are broken by it.
    programme : str
        The programme the ambassador studies, e.g. ``"HTX"``.
    family : str
        The programme's family: ``"gymnasial"``, ``"vocational"`` or ``"preparatory"``.
    institution : str
        Where the ambassador studies.
    former_school : str
        The primary school the ambassador went to.
    municipality : str
        Where the ambassador lives.
    interests, languages, availability, location
        As for :class:`Pupil`.
    grades : tuple of int
        Grades the ambassador prefers; empty means no preference.
    capacity : int
        How many pupils the ambassador can mentor at a time.

    Examples
    --------
    >>> Ambassador(id="a1", programme="HTX", family="gymnasial", capacity=2).capacity
    2
    """

    id: str
    programme: str = ""
    family: str = ""
    institution: str = ""
    former_school: str = ""
    municipality: str = ""
    interests: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    grades: tuple[int, ...] = ()
    availability: tuple[int, ...] = ()
    location: tuple[float, float] | None = None
    capacity: int = 1
