"""Phone numbers and emails as lists and logs show them: enough to recognise, not to copy. Pure."""

import phonenumbers

VISIBLE_TAIL = 3


def mask_phone(value: str) -> str:
    """'+886912345678' -> '+886 9** *** 678': the country code, the first and last three digits."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
        country, national = str(number.country_code), str(number.national_number)
    except phonenumbers.NumberParseException:
        country, national = "", "".join(ch for ch in value if ch.isdigit())
    if len(national) <= VISIBLE_TAIL + 1:
        masked = "*" * len(national)
    else:
        masked = national[:1] + "*" * (len(national) - VISIBLE_TAIL - 1) + national[-VISIBLE_TAIL:]
    head = len(masked) % 3
    groups = ([masked[:head]] if head else []) + [masked[i:i + 3] for i in range(head, len(masked), 3)]
    grouped = " ".join(groups)
    return f"+{country} {grouped}" if country else grouped


def mask_email(value: str) -> str:
    """'alice@example.com' -> 'a***@example.com'."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return local[:1] + "***"
    return f"{local[:1]}***@{domain}"


def member_label(*, name: str, phone: str, email: str) -> str:
    """How a member is named in lists and headings: the name, else the masked phone or email."""
    return name or mask_phone(phone) or mask_email(email)
