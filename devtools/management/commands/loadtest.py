"""python manage.py loadtest [--users 50] [--seconds 60] [--workers 2] [--json FILE]: gunicorn under load."""

import json

from django.core.management.base import BaseCommand, CommandError

from devtools import loadtest


class Command(BaseCommand):
    help = "Run gunicorn with production settings on 127.0.0.1 and simulated users for a bounded time."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--think", type=float, default=0.0, help="mean seconds a user pauses between requests (default 0)"
        )
        parser.add_argument("--json", dest="json_file", help="Also write the result to this JSON file.")

    def handle(self, *args, users, seconds, workers, think, json_file=None, **options):
        if not (1 <= users <= 500 and 1 <= seconds <= 600 and 0 <= think <= 60):
            raise CommandError("--users từ 1 đến 500, --seconds từ 1 đến 600, --think từ 0 đến 60.")
        try:
            result = loadtest.run(
                users=users, seconds=seconds, workers=workers, think=think, progress=self.stdout.write
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"\n{result['users']} người dùng (nghỉ trung bình {think} s), {result['seconds']} s, "
            f"gunicorn {result['gunicorn_workers']} tiến trình: {result['requests']} yêu cầu, "
            f"{result['requests_per_second']}/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
            f"lỗi {result['errors']}, xung đột phiên bản {result['version_conflicts']}"
        )
        for kind, row in result["by_kind"].items():
            self.stdout.write(f"  {kind:16} {row['requests']:>6}  p50 {row['p50_ms']:>7} ms  p95 {row['p95_ms']:>7} ms")
        for sample in result["error_samples"]:
            self.stdout.write(self.style.ERROR(f"  {sample}"))
        if json_file:
            with open(json_file, "w", encoding="utf-8") as handle:
                json.dump(result, handle, indent=2, ensure_ascii=False)
        if result["errors"]:
            raise CommandError(f"{result['errors']} lỗi")
