"""The language chooser in every page's footer."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info

register = template.Library()


@lru_cache(maxsize=32)
def _options(current: str, codes: tuple) -> str:
    # The same few options on every page: built once per process and language, not per request.
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((code, mark_safe(" selected") if code == current else "", get_language_info(code)["name_local"])
         for code in codes),
    )


@register.simple_tag
def language_options():
    """<option>s of the available languages in their own names, the active one selected."""
    return _options(get_language(), tuple(code for code, _name in settings.LANGUAGES))
