"""Pupils: enrolment by import, the list and the pupil page, guardian consent."""
