"""The one catalogue of user-facing strings: UI text and error messages, Swedish and English.

The strings are gettext catalogues, one per language: ``bidgeo/locale/<lang>/LC_MESSAGES/bidgeo.po``,
whose msgid is the key the code uses and msgstr the text (``{name}`` placeholders are filled by
:func:`t`). Each is read (Babel's reader) the first time it is needed. ``t(key, lang, **params)``
is the one way to look a string up; Swedish is the default, and a test checks that every key has
every language. The translator's workflow (extract, update, compile to check) is in the README.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

LANGUAGES = ('sv', 'en')
DEFAULT_LANGUAGE = 'sv'
TIMEZONE = ZoneInfo("Europe/Stockholm")
DOMAIN = "bidgeo"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def catalogue_path(lang: str) -> Path:
    """The gettext catalogue (``.po``) of ``lang``."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def _read(lang: str):
    from babel.messages.pofile import read_po

    with catalogue_path(lang).open("rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN)


def messages(lang: str) -> dict[str, str]:
    """Every message of ``lang`` by key, as its catalogue has it (an untranslated one is "")."""
    return {message.id: message.string for message in _read(lang) if message.id}


@lru_cache(maxsize=None)
def _texts(lang: str) -> dict[str, str]:
    """``lang``'s translated messages by key, over the Swedish ones for those it lacks."""
    own = {key: text for key, text in messages(lang).items() if text}
    return own if lang == DEFAULT_LANGUAGE else {**_texts(DEFAULT_LANGUAGE), **own}


@lru_cache(maxsize=None)
def _keys() -> frozenset[str]:
    """The keys there are: those of the Swedish catalogue."""
    return frozenset(messages(DEFAULT_LANGUAGE))


def has(key: str) -> bool:
    """Whether the catalogue has a message ``key``."""
    return key in _keys()


def local_time(moment: datetime, with_time: bool = True) -> str:
    """A stored (UTC) time as Swedish local time, ``2026-11-27 14:05``."""
    local = moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(TIMEZONE)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def number(value: float | int | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """``value`` as its readers write numbers: in Swedish a decimal comma and a (no-break) space
    between thousands, ``1 374`` and ``4,8``; in English ``1,374`` and ``4.8``. A missing value
    (None, NaN) is ``–``."""
    if value is None or value != value:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def percent(share: float | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """A share (0-1) as a percentage: ``4,8 %`` in Swedish (a no-break space before the sign),
    ``4.8%`` in English; a missing share is ``–``."""
    if share is None or share != share:
        return "–"
    return number(share * 100, lang, decimals) + ("%" if lang == "en" else "\u00a0%")


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The catalogue string ``key`` in ``lang`` (sv or en), with ``params`` filled in. An
    unknown key is a :class:`KeyError`; an unknown language gets Swedish."""
    if key not in _keys():
        raise KeyError(key)
    text = _texts(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(key, key)
    return text.format(**params) if params else text


def extract_keys(fileobj, keywords, comment_tags, options):
    """A Babel extractor (``babel.cfg``, ``pybabel extract``): every key of the Swedish
    catalogue ``fileobj``, with its topic and its Swedish and English text as comments, so the
    template shows a translator what each key says."""
    from babel.messages.pofile import read_po

    english = messages("en")
    for message in read_po(fileobj):
        if message.id:
            yield (message.lineno, None, message.id,
                   [*message.auto_comments, f"sv: {message.string}", f"en: {english.get(message.id, '')}"])
