"""``manage.py backup``: the database, the uploaded files and a manifest in one archive
(docs/backup.md). Run it nightly from cron or a systemd timer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from safecampus.ops.archive import BackupError, vendor_name
from safecampus.ops.backup import create_backup


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Write one dated archive with the database, every uploaded file and a manifest of "
            "row counts and checksums (docs/backup.md)."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=None,
            help=_("Folder for the archive (default: BACKUP_DIR, normally var/backups)."),
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help=_(
                "Afterwards delete older archives in that folder, keeping the newest N "
                "(default: delete nothing)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = create_backup(options["output_dir"], keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        media = manifest.media
        self.stdout.write(self.style.SUCCESS(_("Backup written: %(path)s") % {"path": result.path}))
        self.stdout.write(
            _("  database: %(vendor)s, %(tables)d tables, %(rows)d rows")
            % {
                "vendor": vendor_name(manifest.vendor),
                "tables": len(manifest.tables),
                "rows": manifest.rows,
            }
        )
        self.stdout.write(
            _("  uploaded files: %(count)d (%(size)s)")
            % {
                "count": len(media),
                "size": filesizeformat(sum(entry.size for entry in media.values())),
            }
        )
        self.stdout.write(
            _("  archive: %(size)s, made in %(seconds).1f s")
            % {"size": filesizeformat(result.size), "seconds": time.monotonic() - started}
        )
        for path in result.removed:
            self.stdout.write(_("Removed old backup: %(path)s") % {"path": path})
        self.stdout.write(
            _("Copy it to another machine; keep the SECRET_KEY (environment file) separately.")
        )
