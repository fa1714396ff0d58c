"""The code's rooms stay readable: no module over 450 lines in engine/ or web/, at most 12 modules directly in
engine/, and every engine sub-package opens with a map of its modules. (Import layering and circles are
checked by `lint-imports`, run by `make test`.)"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 450


def test_no_module_is_over_450_lines():
    long = {str(path.relative_to(ROOT)): count for package in ("engine", "web")
            for path in (ROOT / package).rglob("*.py")
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_at_most_12_modules_stay_directly_in_engine():
    flat = sorted(path.name for path in (ROOT / "engine").glob("*.py"))
    assert len(flat) <= 12, flat


def test_every_engine_sub_package_maps_its_modules():
    for package in sorted(path.parent for path in (ROOT / "engine").glob("*/__init__.py")):
        text = (package / "__init__.py").read_text(encoding="utf-8")
        modules = [path.stem for path in package.glob("*.py") if path.stem not in ("__init__", "__main__")]
        missing = [name for name in modules if f"`{name}`" not in text and name not in text]
        assert not missing, f"{package.name}/__init__.py does not name {missing}"
