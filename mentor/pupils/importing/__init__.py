"""Enrolling pupils from the files schools have: CSV or XLSX, checked, previewed, then written.

``reading`` turns bytes into rows, ``columns`` knows what the columns are called and
``contact_columns`` which ignored ones hold contact details; ``validation`` turns a row into a
pupil record or reasons (``problems``), looking catalogue entries up through ``names``.
``planning`` previews what the file would change against ``lookups`` (the school, the catalogue,
the school year), ``writing`` writes the plan, and ``service`` commits; ``sealing`` carries the
uploaded file from the preview page to the commit without server-side state.
"""
