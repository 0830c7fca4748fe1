"""What a service raises when a form's fields are wrong, for every page and the API alike."""

from __future__ import annotations


class FormErrors(Exception):
    """Field name -> message id (translated by the page)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors
