"""Regenerate or verify ``studytrack/static/vendor/MANIFEST.json``.

The manifest records, for every vendored front-end package, its name,
version, licence and source (an npm package, or the Debian package the PDF
fonts are cut from), plus the SHA-256 of each file copied from it.
Every file under the vendor directory must belong to exactly one package,
except ``MANIFEST.json`` and ``README.md`` at the top level.

Usage::

    python scripts/vendor_manifest.py            # rewrite the sha256 values
    python scripts/vendor_manifest.py --check    # verify; exit 1 on any problem
    python scripts/vendor_manifest.py --set-version bootstrap=5.3.10

Without ``--check`` the script recomputes every hash from the files on disk,
keeps ``name``, ``version``, ``license`` and ``source`` as they are (unless
``--set-version`` is given), drops entries whose file no longer exists and adds
new files that sit in a directory already owned by exactly one package.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path, PurePosixPath
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENDOR_DIR = REPO_ROOT / "studytrack" / "static" / "vendor"
MANIFEST_NAME = "MANIFEST.json"
EXCLUDED = frozenset({MANIFEST_NAME, "README.md"})
PACKAGE_KEYS = ("name", "version", "license", "source", "files")


class ManifestError(Exception):
    """The manifest file is missing, unreadable or structurally invalid."""


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 digest of the file at ``path``."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def files_on_disk(vendor_dir: Path) -> set[str]:
    """Return every regular file under ``vendor_dir`` as a POSIX relative path."""
    found: set[str] = set()
    for path in vendor_dir.rglob("*"):
        if path.is_file():
            rel = path.relative_to(vendor_dir).as_posix()
            if rel not in EXCLUDED:
                found.add(rel)
    return found


def _check_rel_path(rel: str) -> None:
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel or rel != pure.as_posix():
        raise ManifestError(f"unsafe or non-normalised path in manifest: {rel!r}")
    if rel in EXCLUDED:
        raise ManifestError(f"{rel} must not be listed in the manifest")


def source_of(source: str, name: str, version: str) -> str:
    """Where `version` of package `name` comes from: npm (the browser assets) or a Debian
    package (the PDF fonts, subset by scripts/subset_fonts.py) named in `source`."""
    if source.startswith("debian:"):
        return f"{source.partition('=')[0]}={version}"
    return f"npm:{name}@{version}"


def load_manifest(manifest_path: Path) -> list[dict[str, Any]]:
    """Load and validate the manifest, returning its list of packages."""
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"{manifest_path} does not exist") from exc
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{manifest_path} is not valid JSON: {exc}") from exc

    if not isinstance(data, dict) or not isinstance(data.get("packages"), list):
        raise ManifestError('manifest must be an object with a "packages" list')

    seen_names: set[str] = set()
    seen_files: dict[str, str] = {}
    for package in data["packages"]:
        if not isinstance(package, dict) or set(package) != set(PACKAGE_KEYS):
            raise ManifestError(f"each package needs exactly the keys {PACKAGE_KEYS}")
        for key in PACKAGE_KEYS[:4]:
            if not isinstance(package[key], str) or not package[key]:
                raise ManifestError(f"package field {key!r} must be a non-empty string")
        name = package["name"]
        if name in seen_names:
            raise ManifestError(f"package {name} is listed twice")
        seen_names.add(name)
        if package["source"] != source_of(package["source"], name, package["version"]):
            raise ManifestError(
                f"package {name}: source {package['source']!r} does not name version "
                f"{package['version']!r} (npm:NAME@VERSION or debian:PACKAGE=VERSION)"
            )
        if not isinstance(package["files"], dict):
            raise ManifestError(f"package {name}: files must be an object")
        for rel, digest in package["files"].items():
            _check_rel_path(rel)
            if not isinstance(digest, str):
                raise ManifestError(f"package {name}: hash of {rel} must be a string")
            if rel in seen_files:
                raise ManifestError(f"{rel} is listed in both {seen_files[rel]} and {name}")
            seen_files[rel] = name
    return data["packages"]


def check(vendor_dir: Path, packages: list[dict[str, Any]]) -> list[str]:
    """Compare the manifest with the files on disk and return the problems found."""
    problems: list[str] = []
    listed: set[str] = set()
    for package in packages:
        for rel, expected in sorted(package["files"].items()):
            listed.add(rel)
            path = vendor_dir / rel
            if not path.is_file():
                problems.append(f"missing:  {rel} ({package['name']})")
                continue
            actual = sha256_of(path)
            if actual != expected:
                problems.append(
                    f"mismatch: {rel} ({package['name']}): manifest {expected or '<empty>'}, "
                    f"disk {actual}"
                )
    for rel in sorted(files_on_disk(vendor_dir) - listed):
        problems.append(f"unlisted: {rel}")
    return problems


def _owner_by_top_dir(packages: list[dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
    """Map each top-level directory to its single owning package (None if shared)."""
    owners: dict[str, dict[str, Any] | None] = {}
    for package in packages:
        for rel in package["files"]:
            top = PurePosixPath(rel).parts[0]
            if top in owners and owners[top] is not package:
                owners[top] = None
            else:
                owners.setdefault(top, package)
    return owners


def regenerate(vendor_dir: Path, packages: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Recompute hashes in place; return (changes made, errors that block writing)."""
    changes: list[str] = []
    errors: list[str] = []
    for package in packages:
        new_files: dict[str, str] = {}
        for rel, old in package["files"].items():
            path = vendor_dir / rel
            if not path.is_file():
                changes.append(f"removed:  {rel} ({package['name']})")
                continue
            new_files[rel] = sha256_of(path)
            if new_files[rel] != old:
                changes.append(f"updated:  {rel} ({package['name']})")
        package["files"] = new_files

    owners = _owner_by_top_dir(packages)
    listed = {rel for package in packages for rel in package["files"]}
    for rel in sorted(files_on_disk(vendor_dir) - listed):
        parts = PurePosixPath(rel).parts
        if len(parts) == 1:
            errors.append(f"unlisted: {rel} (only README.md and MANIFEST.json may sit at the top)")
            continue
        owner = owners.get(parts[0])
        if owner is None:
            errors.append(f"unlisted: {rel} (no single package owns {parts[0]}/; add it by hand)")
            continue
        owner["files"][rel] = sha256_of(vendor_dir / rel)
        changes.append(f"added:    {rel} ({owner['name']})")

    for package in packages:
        package["files"] = dict(sorted(package["files"].items()))
    return changes, errors


def set_versions(packages: list[dict[str, Any]], specs: list[str]) -> list[str]:
    """Apply ``NAME=VERSION`` updates to version and source; return the changes."""
    by_name = {package["name"]: package for package in packages}
    changes: list[str] = []
    for spec in specs:
        name, sep, version = spec.partition("=")
        if not sep or not name or not version:
            raise ManifestError(f"--set-version expects NAME=VERSION, got {spec!r}")
        if name not in by_name:
            raise ManifestError(f"--set-version: no package named {name!r} in the manifest")
        package = by_name[name]
        package["version"] = version
        package["source"] = source_of(package["source"], name, version)
        changes.append(f"version:  {name} -> {version}")
    return changes


def write_manifest(manifest_path: Path, packages: list[dict[str, Any]]) -> None:
    """Write the manifest with stable formatting (2-space indent, trailing newline)."""
    ordered = [{key: package[key] for key in PACKAGE_KEYS} for package in packages]
    text = json.dumps({"packages": ordered}, indent=2, ensure_ascii=False) + "\n"
    manifest_path.write_text(text, encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify the manifest against the files on disk without writing; exit 1 on problems",
    )
    parser.add_argument(
        "--set-version",
        action="append",
        default=[],
        metavar="NAME=VERSION",
        help="also update a package's version and source before rehashing (repeatable)",
    )
    parser.add_argument(
        "--vendor-dir",
        type=Path,
        default=DEFAULT_VENDOR_DIR,
        help=f"vendor directory (default: {DEFAULT_VENDOR_DIR.relative_to(REPO_ROOT)})",
    )
    args = parser.parse_args(argv)
    if args.check and args.set_version:
        parser.error("--set-version cannot be combined with --check")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point; return the process exit status."""
    args = parse_args(argv)
    vendor_dir: Path = args.vendor_dir.resolve()
    manifest_path = vendor_dir / MANIFEST_NAME
    try:
        packages = load_manifest(manifest_path)
        if args.check:
            problems = check(vendor_dir, packages)
            for line in problems:
                print(line, file=sys.stderr)
            if problems:
                print(f"{manifest_path}: {len(problems)} problem(s)", file=sys.stderr)
                return 1
            count = sum(len(package["files"]) for package in packages)
            print(f"OK: {count} files in {len(packages)} packages match {manifest_path.name}")
            return 0

        changes = set_versions(packages, args.set_version)
        hash_changes, errors = regenerate(vendor_dir, packages)
        changes += hash_changes
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        print("manifest not written", file=sys.stderr)
        return 1
    write_manifest(manifest_path, packages)
    for line in changes:
        print(line)
    print(f"wrote {manifest_path} ({len(changes)} change(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
