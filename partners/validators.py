"""Partner password policy (source: 密碼必須為 8-20 字元並包含大小寫及數字).

The source's composition rule (upper, lower, digit, at least 8) stays; its 20-character cap does
not (OWASP ASVS L2 wants at least 64 allowed, so passphrases and password managers work). Common
and breached passwords are refused by the site-wide validators (CommonPasswordValidator).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 128


class PartnerPasswordValidator:
    """8 to 128 characters with at least one upper-case letter, one lower-case letter and one digit.

    A Django password validator (usable in AUTH_PASSWORD_VALIDATORS); the partner signup form
    applies it on top of the site-wide validators. It is not added site-wide so that staff
    and shopper signups keep Django's default policy.
    """

    def validate(self, password, user=None):
        problems = []
        if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            problems.append(
                ValidationError(
                    _("The password must be %(min)d to %(max)d characters long.") % {"min": MIN_LENGTH, "max": MAX_LENGTH},
                    code="password_length",
                )
            )
        if not re.search(r"[A-Z]", password):
            problems.append(ValidationError(_("The password must contain an upper-case letter."), code="password_no_upper"))
        if not re.search(r"[a-z]", password):
            problems.append(ValidationError(_("The password must contain a lower-case letter."), code="password_no_lower"))
        if not re.search(r"[0-9]", password):
            problems.append(ValidationError(_("The password must contain a digit."), code="password_no_digit"))
        if problems:
            raise ValidationError(problems)

    def get_help_text(self):
        return _(
            "Your password must be %(min)d to %(max)d characters long and contain upper-case letters, "
            "lower-case letters and digits."
        ) % {"min": MIN_LENGTH, "max": MAX_LENGTH}
