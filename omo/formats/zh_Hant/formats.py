# Django's Traditional Chinese formats with the time zone shown (omo.formats).
from django.conf.locale.zh_Hant.formats import *  # noqa: F403

DATETIME_FORMAT = "Y年n月j日 H:i T"
SHORT_DATETIME_FORMAT = "Y/m/d H:i T"
