from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from omo import jsonsafe


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with bounded nesting (omo.jsonsafe): too deep is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("The JSON body is nested too deeply.")) from exc
        try:
            jsonsafe.depth_check(data)
        except jsonsafe.JSONTooDeep as exc:
            raise ParseError(_("The JSON body is nested too deeply.")) from exc
        return data
