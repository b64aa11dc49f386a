"""Compiling the project's translations (locale/*/LC_MESSAGES/*.po) into the .mo files Django
reads, with polib: Django's own compilemessages needs GNU gettext's msgfmt, which a new machine
may not have. The .mo files are build output (not in git); `make setup` runs this."""

from dataclasses import dataclass
from pathlib import Path

import polib


class TranslationError(Exception):
    """The message names the .po file and what is wrong with it."""


@dataclass(frozen=True)
class Compiled:
    po: Path
    mo: Path
    translated: int
    untranslated: int
    fuzzy: int


def catalogs(locale_paths) -> list[Path]:
    return sorted(po for root in locale_paths for po in Path(root).glob("*/LC_MESSAGES/*.po"))


def catalog_compile(*, po: Path) -> Compiled:
    """Write the .mo beside `po`. Fuzzy and empty entries are left out (Django then shows the
    English, or the app's own translation), as msgfmt does; a broken .po is refused."""
    try:
        catalog = polib.pofile(str(po), check_for_duplicates=True)
    except (OSError, ValueError) as error:
        raise TranslationError(f"Không đọc được {po}: {error}") from None
    mo = po.with_suffix(".mo")
    catalog.save_as_mofile(str(mo))
    return Compiled(
        po=po,
        mo=mo,
        translated=len(catalog.translated_entries()),
        untranslated=len(catalog.untranslated_entries()),
        fuzzy=len(catalog.fuzzy_entries()),
    )


def catalogs_compile(*, locale_paths) -> list[Compiled]:
    return [catalog_compile(po=po) for po in catalogs(locale_paths)]
