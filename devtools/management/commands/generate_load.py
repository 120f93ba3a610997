"""Generate measuring data: python manage.py generate_load --scale province|national [--seed N]
[--structure 2023|2024].

On an empty database of its own only; prints the generated accounts' password once.
"""

from django.core.management.base import BaseCommand, CommandError

from devtools.loadgen import LoadError, generate
from projectsite.text import number


class Command(BaseCommand):
    help = "Generate a province's or the whole country's measuring data (on a database of its own)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["province", "national"], default="province")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--structure",
            choices=["2023", "2024"],
            default="2023",
            help="2023: the list of 10/04/2023; 2024: the structure the 2025 reform's mapping starts from.",
        )

    def handle(self, *args, scale, seed, structure="2023", **options):
        try:
            summary = generate(scale=scale, seed=seed, progress=self.stdout.write, structure=structure)
        except LoadError as error:
            raise CommandError(
                f"{error} Không ghi gì cả: generate_load chỉ chạy trên một cơ sở dữ liệu trống của riêng nó "
                "(tạo cơ sở dữ liệu mới, chạy migrate, rồi chạy lại lệnh này)."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong sau {number(summary.seconds, decimals=1)} giây: {number(summary.units)} đơn vị mới, "
                f"{number(summary.tasks)} nhiệm vụ, {number(summary.assignments)} giao nhiệm vụ, "
                f"{number(summary.figures)} số liệu, {number(summary.history)} mục lịch sử."
            )
        )
        # Generated, never written in the source: these accounts open whatever database they are in.
        self.stdout.write(
            "Tài khoản secretariat-<mã tỉnh>, leader-<mã tỉnh>, head-<mã đơn vị>; mật khẩu (chỉ hiện lần này): "
            f"{summary.password}"
        )
