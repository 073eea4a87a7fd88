# Django's English formats with the time zone shown after every date and time (omo.formats).
from django.conf.locale.en.formats import *  # noqa: F403

DATETIME_FORMAT = "N j, Y, P T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
