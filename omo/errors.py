"""A Django ValidationError from a service, handed on as field errors: to a form or an API body."""

from django.core.exceptions import ValidationError

NON_FIELD = "non_field_errors"


def error_details(exc: ValidationError) -> dict[str, list[str]]:
    """{field: [messages]}; errors that name no field come under "non_field_errors"."""
    return exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}


def form_errors_add(form, exc: ValidationError) -> None:
    """Each message on its form field, or on the form itself when the form has no such field."""
    for field, messages in error_details(exc).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
