"""`manage.py seed_demo [--households N] [--seed S] [--years 2014-2020] [--reset]`."""

import re

from django.core.management.base import BaseCommand, CommandError

from poverty.demo import FIRST_YEAR, LAST_YEAR, demo_seed


def _years(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{4})", text.strip())
    if not match:
        raise CommandError(f"--years must look like {FIRST_YEAR}-{LAST_YEAR}, not {text!r}")
    first, last = int(match[1]), int(match[2])
    if not FIRST_YEAR <= first <= last <= LAST_YEAR:
        raise CommandError(f"--years must lie within {FIRST_YEAR}-{LAST_YEAR}")
    return first, last


class Command(BaseCommand):
    help = (
        "Generate deterministic demo data for the founding regions (四平, 怀化, 达州, 天水, 青海): "
        "villages, households and members, yearly incomes and 两不愁三保障, status changes, "
        "cadres and pairings, helping units and work teams. Loads the shipped regions if "
        "missing. If demo data already exist they are kept unless --reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=3000, help="default 3000")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--years", default=f"{FIRST_YEAR}-{LAST_YEAR}", help="data years, e.g. 2014-2020"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete all demo data first, then generate"
        )
        parser.add_argument(
            "--timings", action="store_true", help="print the seconds spent in each step"
        )

    def handle(self, *args, **options):
        if options["households"] < 1:
            raise CommandError("--households must be at least 1")
        first, last = _years(options["years"])
        verbose = options["verbosity"] > 0
        result = demo_seed(
            households=options["households"],
            seed=options["seed"],
            first_year=first,
            last_year=last,
            reset=options["reset"],
            log=self.stdout.write if verbose else None,
        )
        if not verbose:
            return
        if result.regions_created:
            self.stdout.write(f"已导入区划 {result.regions_created} 个")
        if not result.created:
            self.stdout.write(
                f"演示数据已存在（{result.households} 户），沿用现有数据，未重新生成；"
                "如需重建请加 --reset"
            )
            return
        self.stdout.write(
            f"演示数据已生成（seed={options['seed']}，{first}–{last} 年）："
            f"{result.households} 户，共写入 {result.total_rows} 行，用时 {result.seconds} 秒"
        )
        for table, count in result.rows.items():
            self.stdout.write(f"  {table:<34} {count:>10}")
        if options["timings"]:
            for step, seconds in result.timings.items():
                self.stdout.write(f"  [{seconds:>7.2f}s] {step}")
