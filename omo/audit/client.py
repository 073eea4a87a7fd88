"""The client address written to the audit log, read in one place.

For now REMOTE_ADDR. When the trusted-proxy setting lands (issue 13, must-fix 3), this is the one
function to point at it (or to replace by its shared helper).
"""


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
