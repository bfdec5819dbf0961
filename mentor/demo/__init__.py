"""Demo data: a believable Danish municipality for `make run`, the browser tests and trying out.

``load_demo(session)`` seeds the catalogues and, unless the demo is there already, adds Haderslev
Kommune's schools, institutions, guidance unit, about 600 pupils, about 80 ambassadors and one
login per role (``DEMO_LOGINS``). Everyone in it is made up; the random choices come from one
seeded generator, so every run builds the same people.
"""

from mentor.demo.load import DemoConflict, load_demo
from mentor.demo.staff import DEMO_LOGINS, DEMO_PASSWORD, OTHER_DEMO_LOGINS, DemoLogin

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "OTHER_DEMO_LOGINS",
    "DemoConflict",
    "DemoLogin",
    "load_demo",
]
