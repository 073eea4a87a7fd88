# Django's Russian formats with the time zone shown (omo.formats).
from django.conf.locale.ru.formats import *  # noqa: F403

DATETIME_FORMAT = "j E Y г. G:i T"
SHORT_DATETIME_FORMAT = "d.m.Y H:i T"
