"""One translation table for what collabsim says to people: gettext catalogues, English as the key.

The Dutch catalogue is ``collabsim/locale/nl/LC_MESSAGES/collabsim.po``, the only place a Dutch
string of the reports, the CLI, the classroom app and its timeline lives (the app's language switch
names the two languages in themselves, "English" and "Nederlands"). It is compiled to a gettext .mo
catalogue in memory by Babel on first use (once per process) and read by the standard library's
``gettext``: the .po is the single source, there is no generated binary in the repository or the
wheel to fall out of step with it, and a wheel needs no build step of its own.
``tests/test_locale.py`` checks that every message marked in the code (``_("...")`` or
``N_("...")``) and every preset scenario's description (the app shows it) has a Dutch translation.

Code marks a message with ``_ = translator(language)`` and ``_("Findings")``; messages with
values use named placeholders, ``_("{n} runs").format(n=n)``, so a translation can reorder them.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from collabsim.errors import CollabsimInputError

LANGUAGES = ("en", "nl")
DOMAIN = "collabsim"
LOCALE_DIR = Path(__file__).parent


def catalogue_path(language: str) -> Path:
    """The .po file of a language."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def check_language(language: str) -> str:
    """The language if collabsim speaks it, else an input error naming the choices."""
    if language not in LANGUAGES:
        raise CollabsimInputError(f"--lang {language}: choose one of {', '.join(LANGUAGES)}")
    return language


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The gettext translations of a language (English: the messages as written)."""
    check_language(language)
    if language == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalogue_path(language).open("rb") as f:
        catalog = read_po(f, locale=language, domain=DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


def translator(language: str) -> Callable[[str], str]:
    """The ``_`` of a language: a message in English in, the message in the language out."""
    return translations(language).gettext


def decimal(text: str, language: str) -> str:
    """A number written with a decimal point, in the language's way (Dutch: 0,35 and 1.000)."""
    if language != "nl":
        return text
    return text.translate(str.maketrans({".": ",", ",": "."}))


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined (a table of captions, say) and
    translate it where it is shown, with ``_(message)``: gettext's ``gettext_noop``."""
    return message
