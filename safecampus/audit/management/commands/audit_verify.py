from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safecampus.audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Prove that no audit row was altered or deleted (hash chain); report the first broken row."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(f"audit chain OK: {report.checked} events verified")
            )
            return
        what = (
            "its content was altered"
            if report.reason == "content"
            else ("it does not link to the row before it (a row was deleted, inserted or altered)")
        )
        raise CommandError(
            f"audit chain BROKEN at event id={report.broken_id}: {what}; "
            f"{report.checked} events before it verified"
        )
