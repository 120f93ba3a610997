"""python manage.py bench [--json FILE] [--runs N] [--province 40] [--alone DATABASE_URL]
[--transition [--provinces 08,40]]: pages and jobs timed on the data in the database; with
--alone, a province's pages compared with the same province in a database where it was generated
alone (timed by a second process, taking turns); with --transition, the structure transitions
instead (rolled back)."""

import argparse
import json
import platform
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from devtools import bench
from projectsite import clock


class Command(BaseCommand):
    help = "Time the main pages (p50, p95, queries) and the jobs on the data in the database."

    def add_arguments(self, parser):
        parser.add_argument("--json", dest="json_file", help="Also write the results to this JSON file.")
        parser.add_argument("--runs", type=int, default=20, help="Requests per page (default 20).")
        parser.add_argument(
            "--transition",
            action="store_true",
            help="Time the structure transitions instead: Nghệ An's on province data, the national one on national "
            "data (rolled back).",
        )
        parser.add_argument("--provinces", default="", help="With --transition on national data: only these.")
        parser.add_argument(
            "--province", default="", help="The province whose pages are timed (default 40 when it is there)."
        )
        parser.add_argument(
            "--alone",
            dest="alone_url",
            help="The database URL of the same province generated alone: its pages are timed there too, taking "
            "turns with these, and compared (budget: within 20 %%).",
        )
        parser.add_argument("--serve-pages", action="store_true", help=argparse.SUPPRESS)  # the --alone process

    def handle(
        self,
        *args,
        json_file=None,
        runs=20,
        transition=False,
        provinces="",
        province="",
        alone_url=None,
        serve_pages=False,
        **options,
    ):
        if serve_pages:
            bench.serve_pages(sys.stdin, lambda line: print(line, flush=True), province or None)
            return
        sizes = bench.data_sizes()
        self.stdout.write(
            f"{connection.vendor}, {platform.processor() or platform.machine()}, today={clock.today():%d/%m/%Y}, "
            + ", ".join(f"{k}={v}" for k, v in sizes.items())
        )
        if transition:
            codes = [code.strip() for code in provinces.split(",") if code.strip()] or None
            results = bench.transition_run(Path(settings.BASE_DIR) / "data", self.stdout.write, codes)
        else:
            results = bench.run(
                runs=runs, progress=self.stdout.write, province_code=province or None, alone_url=alone_url
            )
        about = {name: results.pop(name) for name in list(results) if name.startswith("_")}
        self.stdout.write(f"\n{'name':28} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}  {'budget':8}  note")
        verdicts = {True: "met", False: "MISSED", None: "-"}
        for name, row in results.items():
            self.stdout.write(
                f"{name:28} {row['p50_ms']:>9} {row['p95_ms']:>9} {row['queries']:>8}  {verdicts[row['met']]:8}  "
                f"{row['note']}{' · ' if row['note'] and row['budget'] else ''}{row['budget']}"
            )
        missed = [name for name, row in results.items() if row["met"] is False]
        self.stdout.write(
            self.style.ERROR(f"\nBudgets missed: {', '.join(missed)}")
            if missed
            else self.style.SUCCESS("\nEvery budget met.")
        )
        if json_file:
            with open(json_file, "w", encoding="utf-8") as handle:
                json.dump(
                    {**results, **about, "_data": sizes, "_database": connection.vendor},
                    handle,
                    indent=2,
                    ensure_ascii=False,
                )
            self.stdout.write(f"\n{json_file}")
