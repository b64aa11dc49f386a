"""Each module sits on its floor: models, the shared helpers and the import steps never import
URLs, views or commands (nor services and selectors, which sit above them), and the helpers in
parindex/core import no app at all. Read from the source, so a new module is checked too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LOWER = sorted(
    [
        ROOT / "plans/models.py",
        ROOT / "agencies/models.py",
        ROOT / "parindex/indices/models.py",
        ROOT / "plans/timeliness.py",
        ROOT / "plans/periods.py",
        *(ROOT / "parindex/core").glob("*.py"),
        *(ROOT / "plans/importing").glob("*.py"),
    ]
)
HIGHER = ("urls", "views", "management", "services", "selectors")
APPS = ("plans", "agencies", "parindex")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", LOWER, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_lower_module_imports_no_url_view_command_service_or_selector(path):
    higher = {
        name
        for name in imported(path)
        if name.split(".")[0] in APPS and set(name.split(".")[1:]) & set(HIGHER)
    }
    assert not higher, f"{path.relative_to(ROOT)} imports {sorted(higher)}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "parindex/core").glob("*.py")), ids=lambda p: p.name
)
def test_the_shared_helpers_import_no_app(path):
    apps = {name for name in imported(path) if name.split(".")[0] in APPS}
    assert apps <= {n for n in apps if n.startswith("parindex.core")}, sorted(apps)
