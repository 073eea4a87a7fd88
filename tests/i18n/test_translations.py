"""Shipped translations (locale/<lang>/LC_MESSAGES/*.po): complete, placeholder-safe, and used by real pages.

The catalogs are read with a small PO reader (no extra dependency). Page tests need the compiled
.mo files (`make messages`, run by `make test` and `make demo`); they skip with the reason when
those are missing or older than their .po file.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGUAGES = {"zh_Hant": "zh-hant", "zh_Hans": "zh-hans", "ru": "ru"}  # locale dir -> language code
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
PLURAL_FORMS = {"zh_Hant": 1, "zh_Hans": 1, "ru": 3}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """Entries of a PO file (header included as msgid ""), obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry, target, flags = None, None, set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            _store(entry, target, _unquote(line), append=True)
            continue
        if keyword in ("msgctxt", "msgid") and (entry is None or entry.msgstr):
            entry = Entry(flags=flags, line=number)
            flags = set()
            entries.append(entry)
        target = keyword
        _store(entry, target, _unquote(rest), append=False)
    return entries


def _store(entry: Entry, target: str, value: str, *, append: bool) -> None:
    match = re.fullmatch(r"msgstr\[(\d+)\]", target)
    if target == "msgstr" or match:
        index = int(match.group(1)) if match else 0
        entry.msgstr[index] = (entry.msgstr.get(index, "") if append else "") + value
    else:
        current = getattr(entry, target) or "" if append else ""
        setattr(entry, target, current + value)


def catalog(lang: str, domain: str = "django") -> dict[str, Entry]:
    return {e.msgid: e for e in read_po(LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po") if e.msgid}


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{\w*\}|%%")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# --- the catalogs -------------------------------------------------------------------------------


def test_every_language_ships_a_catalog():
    for lang in LANGUAGES:
        assert (LOCALE_DIR / lang / "LC_MESSAGES" / "django.po").is_file(), f"locale/{lang}/LC_MESSAGES/django.po missing"


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_no_untranslated_or_fuzzy_entries(po):
    entries = read_po(po)
    header, messages = entries[0], entries[1:]
    assert header.msgid == "" and "fuzzy" not in header.flags, "the header is still marked fuzzy"
    assert len(messages) > 100
    lang = po.parent.parent.name
    assert f"nplurals={PLURAL_FORMS[lang]};" in header.msgstr[0]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in messages if not all(e.msgstr.values()) or not e.msgstr]
    wrong_plurals = [e.msgid for e in messages if e.msgid_plural and sorted(e.msgstr) != list(range(PLURAL_FORMS[lang]))]
    assert not fuzzy, f"{po}: fuzzy entries {fuzzy[:10]}"
    assert not untranslated, f"{po}: untranslated entries {untranslated[:10]}"
    assert not wrong_plurals, f"{po}: entries without {PLURAL_FORMS[lang]} plural forms {wrong_plurals[:10]}"


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_placeholders_and_html_match_the_source(po):
    problems = []
    for e in read_po(po)[1:]:
        for index, text in e.msgstr.items():
            source = e.msgid if index == 0 or not e.msgid_plural else e.msgid_plural
            if placeholders(text) != placeholders(source) and not (
                e.msgid_plural and placeholders(text) == placeholders(e.msgid_plural if index == 0 else e.msgid)
            ):
                problems.append((e.msgid, text, "placeholders"))
            if sorted(HTML_TAG.findall(text)) != sorted(HTML_TAG.findall(source)):
                problems.append((e.msgid, text, "HTML"))
    assert not problems, problems[:10]


def test_catalogs_cover_the_same_messages():
    ids = {lang: set(catalog(lang)) for lang in LANGUAGES}
    reference = ids["zh_Hant"]
    for lang, messages in ids.items():
        missing, extra = sorted(reference - messages)[:5], sorted(messages - reference)[:5]
        assert messages == reference, f"{lang}: missing {missing}, extra {extra}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext (msgfmt) is not installed")
@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_msgfmt_check_accepts_the_catalog(po, tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "out.mo"), str(po)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_parser_reads_multiline_plural_and_fuzzy_entries(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3;\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "%(n)s item"\nmsgid_plural "%(n)s items"\n'
        'msgstr[0] "%(n)s товар"\nmsgstr[1] ""\n"%(n)s товара"\nmsgstr[2] "%(n)s товаров"\n\n'
        '#~ msgid "old"\n#~ msgstr "старое"\n\nmsgid "a \\"quoted\\"\\n"\nmsgstr ""\n',
        encoding="utf-8",
    )
    header, plural, empty = read_po(po)
    assert header.msgstr[0] == "Plural-Forms: nplurals=3;\n"
    assert plural.flags == {"fuzzy", "python-format"}
    assert plural.msgstr == {0: "%(n)s товар", 1: "%(n)s товара", 2: "%(n)s товаров"}
    assert empty.msgid == 'a "quoted"\n' and empty.msgstr == {0: ""}


# --- real pages ---------------------------------------------------------------------------------


@pytest.fixture
def compiled():
    """Skip when the .mo files are missing or older than their .po (run `make messages`)."""
    for lang in LANGUAGES:
        po = LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not mo.exists():
            pytest.skip(f"{mo.relative_to(LOCALE_DIR.parent)} is not compiled: run `make messages`")
        if mo.stat().st_mtime < po.stat().st_mtime:
            pytest.skip(f"{mo.relative_to(LOCALE_DIR.parent)} is older than its .po: run `make messages`")


@pytest.fixture(autouse=True)
def _restore_language():
    """LocaleMiddleware leaves the request's language active in the thread: give the next test English back."""
    previous = translation.get_language()
    yield
    if previous:
        translation.activate(previous)
    else:
        translation.deactivate()


def translated(lang: str, msgid: str) -> str:
    text = catalog(lang)[msgid].msgstr[0]
    assert text and text != msgid
    return text


def html(response) -> str:
    from html import unescape

    assert response.status_code == 200
    return unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "accept, lang",
    [
        ("zh-hant", "zh_Hant"),
        ("zh-TW,zh;q=0.9", "zh_Hant"),  # what a browser in Taiwan sends
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("ru", "ru"),
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru"),
    ],
)
def test_home_page_speaks_the_browser_language(client, compiled, accept, lang):
    page = html(client.get("/", HTTP_ACCEPT_LANGUAGE=accept))

    assert f'<html lang="{LANGUAGES[lang]}">' in page
    intro = "Store staff: log in to look up members and recommend products. Shoppers: open the link your store sent you."
    for msgid in ("OMO retail platform", intro, "Log in", "Language"):
        assert translated(lang, msgid) in page, msgid
    assert "Store staff: log in" not in page


@pytest.mark.django_db
def test_home_page_stays_english_without_a_preference(client, compiled):
    page = html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "OMO retail platform" in page and translated("zh_Hant", "OMO retail platform") not in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_login_page_is_translated(client, compiled, lang):
    page = html(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=LANGUAGES[lang]))

    assert translated(lang, "Log in") in page
    assert translated(lang, "Language") in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_staff_member_search_is_translated_with_the_query_in_place(staff_client, merchant, compiled, lang):
    url = f"/m/{merchant.slug}/staff/?q=nobody@example.com"

    page = html(staff_client.get(url, HTTP_ACCEPT_LANGUAGE=LANGUAGES[lang]))

    labels = ("Find a member", "Phone number or email", "Register a new member", "Register member", "Phone number", "Log out")
    for msgid in labels:
        assert translated(lang, msgid) in page, msgid
    not_found = translated(lang, "No member found for “%(query)s”.") % {"query": "nobody@example.com"}
    assert not_found in page
    assert "Find a member" not in page


@pytest.mark.django_db
def test_language_switcher_keeps_the_choice(client, compiled):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302

    page = html(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    assert translated("ru", "OMO retail platform") in page


@pytest.mark.parametrize(("lang", "salesperson", "sales_amount", "person_name", "thing_name"), [
    ("zh-hant", "銷售人員", "銷售", "姓名", "名稱"),
    ("ru", "Продавец", "Продажи", "Имя", "Название"),
])
def test_a_word_with_two_meanings_is_translated_by_its_meaning(compiled, lang, salesperson, sales_amount, person_name,
                                                               thing_name):
    # "Sales" is the salesperson in the order export but an amount on the performance page;
    # "Name" is a person's on member forms and rankings, a campaign's on the campaign form.
    from members.forms import MemberRegisterForm
    from partners.forms import CampaignForm
    from reports.csv_columns import COLUMNS

    with translation.override(lang):
        export = {column.key: str(column.title) for column in COLUMNS}
        assert export["sales"] == salesperson
        assert translation.gettext("Sales") == sales_amount
        assert str(MemberRegisterForm.base_fields["name"].label) == person_name
        assert str(CampaignForm.base_fields["name"].label) == thing_name


def test_point_counts_take_the_russian_plural_forms(compiled):
    with translation.override("ru"):
        shown = [translation.ngettext("%(points)s point", "%(points)s points", n) % {"points": n} for n in (1, 3, 5, 21, 12)]
    assert shown == ["1 балл", "3 балла", "5 баллов", "21 балл", "12 баллов"]
    with translation.override("zh-hant"):
        assert translation.ngettext("%(points)s point", "%(points)s points", 2) % {"points": 2} == "2 點"
