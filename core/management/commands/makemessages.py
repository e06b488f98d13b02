"""Django's makemessages, also collecting the sentences composed now and written later in their reader's language
(core.i18n.translatable("...", ...)), with no fuzzy guesses, and without the creation timestamp (a catalogue
changes only when its strings do). `make messages` runs it with the project's options."""

import os
import re

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=translatable"]
    # A new text starts untranslated, never with a guess from a similar one (a guess is "fuzzy": not used).
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

    def write_po_file(self, potfile, locale):
        super().write_po_file(potfile, locale)
        path = os.path.join(os.path.dirname(potfile), locale, "LC_MESSAGES", f"{self.domain}.po")
        with open(path, encoding="utf-8") as po:
            text = po.read()
        with open(path, "w", encoding="utf-8") as po:
            po.write(re.sub(r'^"POT-Creation-Date: [^"]*"\n', "", text, count=1, flags=re.MULTILINE))
