from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from parindex.ops.translations import TranslationError, catalogs_compile


class Command(BaseCommand):
    help = "Compile the project's translations (locale/*.po) into .mo files, without GNU gettext."

    def handle(self, *args, **options):
        try:
            compiled = catalogs_compile(locale_paths=settings.LOCALE_PATHS)
        except TranslationError as error:
            raise CommandError(str(error)) from None
        for c in compiled:
            self.stdout.write(
                f"{c.mo}: {c.translated} câu đã dịch"
                + (f", {c.untranslated} chưa dịch" if c.untranslated else "")
                + (f", {c.fuzzy} cần xem lại (fuzzy, bỏ qua)" if c.fuzzy else "")
            )
