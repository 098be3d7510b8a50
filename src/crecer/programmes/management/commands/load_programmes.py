from django.core.management.base import BaseCommand

from crecer.programmes.presets import load_presets


class Command(BaseCommand):
    help = "Create the preset programmes (Cuna Más SAF/SCD, ITPI, Juntos, Honduras PI)."

    def add_arguments(self, parser):
        parser.add_argument("--overwrite", action="store_true",
                            help="replace the configuration of presets that already exist")

    def handle(self, *args, overwrite=False, **options):
        for p in load_presets(overwrite=overwrite):
            self.stdout.write(f"{p.code}: {p.name}")
