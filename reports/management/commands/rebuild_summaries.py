"""Rebuild the summaries from the data: python manage.py rebuild_summaries.

Not needed in normal running (the services keep the summaries); for after data was restored or
edited outside the application.
"""

import time

from django.core.management.base import BaseCommand

from projectsite.text import number
from reports.activity import reporting_weeks_reset
from tasks.summaries import indicator_totals_rebuild_all, status_counts_rebuild_all
from units.models import Unit


class Command(BaseCommand):
    help = (
        "Rebuild every province's daily indicator totals and its counts of assignments per status, and forget "
        "its weeks of regular reporting."
    )

    def handle(self, *args, **options):
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if done % 10 == 0 or done == total:
                self.stdout.write(f"  {done}/{total} tỉnh")

        provinces = list(Unit.objects.filter(level=Unit.Level.PROVINCE).values_list("pk", flat=True))
        rows = indicator_totals_rebuild_all(province_ids=provinces, progress=progress)
        counts = status_counts_rebuild_all(province_ids=provinces)
        for province_id in provinces:
            reporting_weeks_reset(province_id=province_id)  # refilled by the next scorecard
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong sau {number(time.monotonic() - started, decimals=1)} giây: {number(len(provinces))} tỉnh, "
                f"{number(rows)} dòng tổng số chỉ tiêu theo ngày, "
                f"{number(counts)} dòng số giao nhiệm vụ theo tình trạng; "
                "tuần báo cáo sẽ được tính lại khi mở bảng xếp hạng."
            )
        )
