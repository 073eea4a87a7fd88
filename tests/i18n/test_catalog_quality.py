"""Issue 14 item 8: the catalogs cover every message of the code and write Chinese with full-width
punctuation.

- Every msgid the code marks (`makemessages` over a copy of the sources) is in each catalog, so a
  new string can't ship untranslated (with test_translations' check that every entry has a text).
- Between Chinese characters, punctuation is full-width (，：；！？（）), not the ASCII marks.
"""

import re
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

from tests.i18n.test_translations import LANGUAGES, LOCALE_DIR, read_po

CJK = r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"
HALF_WIDTH_NEXT_TO_CJK = re.compile(rf"{CJK} ?[,:;!?()]|[,:;!?()] ?{CJK}")
# Placeholders, tags, and code the text quotes as it is typed ("custom:", "?month=YYYY-MM").
NOT_PROSE = re.compile(r"%\(\w+\)[sdfr]|%[sd]|\{[\w.]*\}|<[^>]+>|\?[\w=-]+|[A-Za-z_]+:")
SOURCES_IGNORED = shutil.ignore_patterns(
    ".*", "locale", "staticfiles", "media", "node_modules", "__pycache__", "*.sqlite3", "bench", "tests"
)


def half_width_between_cjk(text: str) -> list[str]:
    prose = NOT_PROSE.sub("X", text)
    return [prose[max(0, m.start() - 6): m.end() + 6] for m in HALF_WIDTH_NEXT_TO_CJK.finditer(prose)]


@pytest.mark.parametrize("lang", ["zh_Hant", "zh_Hans"])
def test_chinese_uses_full_width_punctuation_between_chinese_characters(lang):
    problems = []
    for entry in read_po(LOCALE_DIR / lang / "LC_MESSAGES" / "django.po")[1:]:
        for text in entry.msgstr.values():
            if hits := half_width_between_cjk(text):
                problems.append((entry.msgid, hits))
    assert not problems, f"{lang}: half-width punctuation next to Chinese {problems[:10]}"


def test_the_punctuation_check_finds_ascii_marks_and_leaves_code_alone():
    assert half_width_between_cjk("未計入業績:%(reason)s") and half_width_between_cjk("日期(格式如 2025-10-01)。")
    assert not half_width_between_cjk("未計入業績：%(reason)s，例如「custom:」或 ?month=YYYY-MM")


@pytest.fixture(scope="module")
def source_msgids(tmp_path_factory):
    if shutil.which("xgettext") is None:
        pytest.skip("gettext (xgettext) is not installed")
    copy = tmp_path_factory.mktemp("sources") / "omo"
    shutil.copytree(settings.BASE_DIR, copy, ignore=SOURCES_IGNORED)
    (copy / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hant", "--no-location", "--no-wrap"],
        cwd=copy, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "DJANGO_SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "omo.settings"},
    )
    assert result.returncode == 0, result.stderr
    return {(e.msgctxt, e.msgid) for e in read_po(copy / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po")[1:]}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_message_of_the_code_is_in_the_catalog(source_msgids, lang):
    shipped = {(e.msgctxt, e.msgid) for e in read_po(LOCALE_DIR / lang / "LC_MESSAGES" / "django.po")[1:]}
    missing = sorted(source_msgids - shipped, key=str)
    assert not missing, f"{lang}: {len(missing)} messages of the code are not in the catalog, e.g. {missing[:10]}"
