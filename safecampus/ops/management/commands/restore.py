"""``manage.py restore ARCHIVE``: replace the database and the uploaded files by a backup's,
after proving the archive intact, and check the result against its manifest (docs/backup.md)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from safecampus.ops.archive import BackupError, Manifest, vendor_name
from safecampus.ops.database import database_label
from safecampus.ops.restore import RestoreReport, check_archive, restore_backup


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Replace the database and the uploaded files by those of a backup archive, after "
            "verifying its checksums; then check the result (docs/backup.md)."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "archive", type=Path, help=_("The archive written by manage.py backup.")
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help=_("Replace the current data without asking (for scripts)."),
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("Only verify the archive (checksums, completeness); change nothing."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["archive"]
        started = time.monotonic()
        try:
            if options["check"]:
                manifest = check_archive(path)
                self._describe(path, manifest)
                self.stdout.write(
                    self.style.SUCCESS(
                        _("Archive OK: %(count)d files match their checksums.")
                        % {"count": len(manifest.files)}
                    )
                )
                return
            report = restore_backup(path, lambda m: self._confirm(path, m, options["yes"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self._report(report, options["verbosity"])
        self.stdout.write(
            _("Restore took %(seconds).1f s.") % {"seconds": time.monotonic() - started}
        )
        if not report.ok:
            raise CommandError(_("The restored data does not match the archive (see above)."))

    def _describe(self, path: Path, manifest: Manifest) -> None:
        self.stdout.write(
            _(
                "%(path)s: made %(created)s by SafeCampus %(version)s; %(vendor)s database, "
                "%(tables)d tables, %(rows)d rows; %(files)d uploaded files."
            )
            % {
                "path": path,
                "created": manifest.created_at,
                "version": manifest.safecampus_version,
                "vendor": vendor_name(manifest.vendor),
                "tables": len(manifest.tables),
                "rows": manifest.rows,
                "files": len(manifest.media),
            }
        )

    def _confirm(self, path: Path, manifest: Manifest, yes: bool) -> bool:
        self._describe(path, manifest)
        self.stdout.write(
            _("Checksums verified: %(count)d files.") % {"count": len(manifest.files)}
        )
        if yes:
            return True
        warning = _(
            "This replaces the database %(database)s and every file in %(media)s by the "
            "archive's content."
        ) % {"database": database_label(), "media": settings.MEDIA_ROOT}
        if not sys.stdin.isatty():
            raise BackupError(warning + " " + _("Run again with --yes to confirm."))
        self.stdout.write(self.style.WARNING(warning))
        return input(_("Type yes to continue: ")).strip().lower() == "yes"

    def _report(self, report: RestoreReport, verbosity: int) -> None:
        manifest = report.manifest
        self.stdout.write(_("Restored. Verification against the manifest:"))
        if verbosity > 1:
            for table, count in manifest.tables.items():
                self.stdout.write(f"    {table}: {count}")
        for table, expected, actual in report.row_mismatches:
            self.stdout.write(
                self.style.ERROR(
                    _("  MISMATCH %(table)s: %(expected)d rows in the archive, %(actual)s now")
                    % {"table": table, "expected": expected, "actual": actual}
                )
            )
        if not report.row_mismatches:
            self.stdout.write(
                _("  row counts: %(tables)d tables, %(rows)d rows, all match")
                % {"tables": len(manifest.tables), "rows": manifest.rows}
            )
        for app, expected_name, actual_name in report.migration_mismatches:
            self.stdout.write(
                self.style.ERROR(
                    _(
                        "  MISMATCH migrations of %(app)s: %(expected)s in the archive, "
                        "%(actual)s now"
                    )
                    % {"app": app, "expected": expected_name, "actual": actual_name}
                )
            )
        problems = (
            [(_("missing"), name) for name in report.missing_files]
            + [(_("checksum differs"), name) for name in report.changed_files]
            + [(_("not in the archive"), name) for name in report.extra_files]
        )
        for what, name in problems:
            self.stdout.write(self.style.ERROR(f"  {what}: {name}"))
        if not problems:
            self.stdout.write(
                _("  uploaded files: %(count)d, all checksums match")
                % {"count": len(manifest.media)}
            )
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(_("Restore complete: the data matches the archive."))
            )
        if report.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The archive is older than this SafeCampus (%(count)d migrations to "
                        "apply): run manage.py migrate now, then manage.py audit_verify."
                    )
                    % {"count": report.pending_migrations}
                )
            )
        else:
            self.stdout.write(_("Next: run manage.py audit_verify."))
