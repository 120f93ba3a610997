"""python manage.py loadtest [--users 50] [--seconds 60] [--web 1] [--gunicorn-workers 2] [--workers 0]
[--replica URL | --replica-auto] [--provinces 1] [--think 0] [--json FILE]: the application under load.

``--web`` gunicorn instances, ``--workers`` Celery workers on Redis, a read replica: the scale-out
of docs/DEPLOY.md on one machine (devtools/loadtest.py says what each does).
"""

import json
import signal

from django.core.management.base import BaseCommand, CommandError

from devtools import loadtest


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops the run as Ctrl-C does: every process it started is stopped


class Command(BaseCommand):
    help = (
        "Run gunicorn (one or more instances) with production settings on 127.0.0.1, optionally Celery "
        "workers and a read replica, and simulated users for a bounded time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--web", type=int, default=1, help="gunicorn instances, each on its own port (default 1)")
        parser.add_argument(
            "--gunicorn-workers", type=int, default=2, help="processes of each gunicorn instance (default 2)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="Celery workers on Redis (default 0); with two, one takes reminders,digests and one outbox,celery",
        )
        replica = parser.add_mutually_exclusive_group()
        replica.add_argument("--replica", default="", help="URL of a streaming replica the web servers read")
        replica.add_argument(
            "--replica-auto",
            action="store_true",
            help="start a replica of the database server (pg_basebackup into a temporary folder, another port)",
        )
        parser.add_argument(
            "--provinces", type=int, default=1, help="the users come from this many provinces (default 1)"
        )
        parser.add_argument(
            "--think", type=float, default=0.0, help="mean seconds a user pauses between requests (default 0)"
        )
        parser.add_argument("--json", dest="json_file", help="Also write the result to this JSON file.")

    def handle(self, *args, json_file=None, **options):
        users, seconds, think = options["users"], options["seconds"], options["think"]
        web, gunicorn_workers, workers = options["web"], options["gunicorn_workers"], options["workers"]
        if not (1 <= users <= 500 and 1 <= seconds <= 600 and 0 <= think <= 60):
            raise CommandError("--users từ 1 đến 500, --seconds từ 1 đến 600, --think từ 0 đến 60.")
        if not (1 <= web <= 8 and 1 <= gunicorn_workers <= 16 and 0 <= workers <= 8 and options["provinces"] >= 1):
            raise CommandError(
                "--web từ 1 đến 8, --gunicorn-workers từ 1 đến 16, --workers từ 0 đến 8, --provinces từ 1 trở lên."
            )
        previous = signal.signal(signal.SIGTERM, _interrupted)
        try:
            result = loadtest.run(
                users=users,
                seconds=seconds,
                web=web,
                gunicorn_workers=gunicorn_workers,
                workers=workers,
                replica=options["replica"],
                replica_auto=options["replica_auto"],
                provinces=options["provinces"],
                think=think,
                progress=self.stdout.write,
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            raise CommandError(
                "Đã dừng giữa chừng: mọi tiến trình lần chạy đã khởi động đều đã dừng.", returncode=130
            ) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.summary(result)
        if json_file:
            with open(json_file, "w", encoding="utf-8") as handle:
                json.dump(result, handle, indent=2, ensure_ascii=False)
        if result["errors"]:
            raise CommandError(f"{result['errors']} lỗi")

    def summary(self, result: dict) -> None:
        write = self.stdout.write
        write(
            f"\n{result['users']} người dùng ({result['provinces']} tỉnh, "
            f"nghỉ trung bình {result['think_seconds']} s), {result['seconds']} s, "
            f"gunicorn {result['web_instances']} × {result['gunicorn_workers']} tiến trình: "
            f"{result['requests']} yêu cầu, {result['requests_per_second']}/s, p50 {result['p50_ms']} ms, "
            f"p95 {result['p95_ms']} ms, lỗi {result['errors']}, xung đột phiên bản {result['version_conflicts']}"
        )
        for kind, row in result["by_kind"].items():
            write(f"  {kind:16} {row['requests']:>6}  p50 {row['p50_ms']:>7} ms  p95 {row['p95_ms']:>7} ms")
        if result["web_instances"] > 1:
            write("Yêu cầu mỗi máy chủ web: " + ", ".join(f"{k} {v}" for k, v in result["by_web"].items()))
        for server, work in result["database"].items():
            write(f"Cơ sở dữ liệu, {server}: {work['transactions']} giao dịch, {work['rows_read']} dòng đã đọc")
        if replica := result["replica"]:
            write(
                f"Bản sao: {replica['pages_read_on_replica']}/{replica['pages']} trang đọc từ bản sao "
                f"({replica['share_of_pages']:.0%}); {replica['share_of_rows_read']:.0%} số dòng đã đọc, "
                f"{replica['share_of_transactions']:.0%} số giao dịch"
            )
        for worker in result["workers"]:
            done = ", ".join(
                f"{job} {counts.get('succeeded', 0)}/{counts.get('received', 0)}"
                for job, counts in worker["jobs"].items()
            )
            write(f"{worker['name']} ({','.join(worker['queues'])}): việc xong/nhận: {done or 'không có'}")
        if mails := result["mails"]:
            write(
                f"Thư: {mails['queued_during_run']} được xếp hàng, {mails['delivered_during_run']} đã gửi "
                f"trong lúc chạy, {mails['waiting_at_end']} còn chờ khi kết thúc"
            )
        for sample in result["error_samples"]:
            write(self.style.ERROR(f"  {sample}"))
