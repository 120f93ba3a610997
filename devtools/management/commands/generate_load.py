"""Generate measuring data: python manage.py generate_load --scale province|national [--seed N]
[--structure 2023|2024|2025] [--provinces 12,46].

On an empty database of its own only; prints the generated accounts' password once.
"""

from django.core.management.base import BaseCommand, CommandError

from devtools.loadgen import STRUCTURES, TODAY_2025, LoadError, default_structure, generate
from projectsite.text import number


class Command(BaseCommand):
    help = "Generate a province's or the whole country's measuring data (on a database of its own)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["province", "national"], default="province")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--structure",
            choices=STRUCTURES,
            default=None,
            help="2025 (default nationally): the two-level structure of 01/07/2025, 34 provinces; "
            "2023 (default for a province): the list of 10/04/2023; "
            "2024: the structure the 2025 reform's mapping starts from.",
        )
        parser.add_argument(
            "--provinces",
            default="",
            help="Only these province codes, comma-separated (e.g. 12,46: a small national set; "
            "40 alone is Nghệ An exactly as inside the national data of 2025).",
        )

    def handle(self, *args, scale, seed, structure=None, provinces="", **options):
        codes = [code.strip() for code in provinces.split(",") if code.strip()] or None
        structure = structure or default_structure(scale)
        try:
            summary = generate(scale=scale, seed=seed, progress=self.stdout.write, structure=structure, provinces=codes)
        except LoadError as error:
            raise CommandError(
                f"{error} Không ghi gì cả: generate_load chỉ chạy trên một cơ sở dữ liệu trống của riêng nó "
                "(tạo cơ sở dữ liệu mới, chạy migrate, rồi chạy lại lệnh này)."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong sau {number(summary.seconds, decimals=1)} giây (cơ cấu {summary.structure}): "
                f"{number(summary.provinces)} tỉnh, {number(summary.units)} đơn vị mới, "
                f"{number(summary.accounts)} tài khoản, {number(summary.documents)} văn bản, "
                f"{number(summary.tasks)} nhiệm vụ, {number(summary.assignments)} giao nhiệm vụ, "
                f"{number(summary.figures)} số liệu, {number(summary.history)} mục lịch sử."
            )
        )
        if summary.structure == "2025":
            day = f"{TODAY_2025:%d/%m/%Y}"
            self.stdout.write(f"Ngày của dữ liệu: {day} (đo với APP_TODAY={day} manage.py bench).")
        # Generated, never written in the source: these accounts open whatever database they are in.
        self.stdout.write(
            "Tài khoản secretariat-<mã tỉnh>, leader-<mã tỉnh>, head-<mã xã/huyện>, head-<mã tỉnh>-<mã cơ quan>"
            + (", national" if summary.national_account else "")
            + f"; mật khẩu (chỉ hiện lần này): {summary.password}"
        )
