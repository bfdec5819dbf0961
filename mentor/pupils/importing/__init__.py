"""Enrolling pupils from the files schools have: CSV or XLSX, checked, previewed, then written.

``reading`` turns bytes into rows, ``columns`` knows what the columns are called, ``validation``
turns a row into a pupil record or reasons, ``service`` previews and commits, and ``sealing``
carries the uploaded file from the preview page to the commit without server-side state.
"""
