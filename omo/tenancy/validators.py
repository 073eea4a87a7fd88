from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def validate_product_image_url(merchant, url: str) -> None:
    """Product images come only from the merchant's image hosts over HTTPS (Merchant.image_hosts)."""
    if not merchant.image_url_allowed(url):
        raise ValidationError(
            _("Product images may only come from this merchant's image hosts (HTTPS): %(hosts)s.")
            % {"hosts": ", ".join(merchant.image_hosts or []) or "—"},
            code="image_host",
        )
