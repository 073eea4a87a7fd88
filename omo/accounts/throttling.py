"""Which account a login attempt is for, as django-axes counts failures.

allauth authenticates with `email=` or `phone=` credentials, not the `login` form field axes
reads by default; without this, every attempt from one address counted against the same
empty username, so one person's typos could lock out everyone behind that address.
"""


def axes_username(request, credentials=None) -> str:
    for key in ("email", "phone", "login", "username"):
        if credentials and credentials.get(key):
            return str(credentials[key]).strip().lower()
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return str(data.get("login", "")).strip().lower()
