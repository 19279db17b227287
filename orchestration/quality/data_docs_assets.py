"""The files Great Expectations' Data Docs load from CDNs, and their installation from npm.

GX's page templates load bootstrap, jQuery, popper, bootstrap-table, bootstrap-datepicker, Font
Awesome, bootstrap-dark and vega from CDNs (cdnjs, jsDelivr, unpkg, StackPath, code.jquery.com).
ASSETS names each of those URLs with the npm package and file that serve the same bytes.

The files come from the npm registry, in the very versions the templates name (unpkg and jsDelivr
serve npm packages' files; the cdnjs, StackPath and jQuery copies are the same releases, and the
two files GX pins with a Subresource Integrity hash are byte for byte the npm ones). At setup time
`install_assets()` (`python -m orchestration.quality.data_docs --install`) fetches the packages
with `npm pack` and keeps only the files the pages use, with their licences, in the virtual
environment (ASSETS_DIR). Nothing is committed to git. data_docs.py copies them into the docs.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import subprocess_env

ASSETS_DIR = Path(sys.prefix) / "share" / "leia" / "gx_data_docs_vendor"
NPM_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Package:
    """An npm package, in the version GX's templates name."""

    name: str
    version: str
    licence: str  # the package's own word (package.json), for whoever redistributes the docs

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def folder(self) -> str:
        """Its folder under ASSETS_DIR and under static/vendor/: bootstrap-4.3.1."""
        return f"{self.name.removeprefix('@').replace('/', '-')}-{self.version}"


@dataclass(frozen=True)
class Asset:
    """A CDN URL of GX's templates and the file of an npm package that is its offline copy."""

    url: str
    package: Package
    path: str  # inside the package (what the CDN serves at that URL)

    @property
    def local(self) -> str:
        """Its place under static/vendor/."""
        return f"{self.package.folder}/{self.path}"


BOOTSTRAP = Package("bootstrap", "4.3.1", "MIT")
JQUERY = Package("jquery", "3.7.1", "MIT")
POPPER = Package("popper.js", "1.12.9", "MIT")
FONT_AWESOME = Package("@fortawesome/fontawesome-free", "6.6.0", "(CC-BY-4.0 AND OFL-1.1 AND MIT)")
BOOTSTRAP_TABLE = Package("bootstrap-table", "1.19.1", "MIT")
# GX's templates take the filter-control stylesheet from 1.19.0, its script from 1.19.1
BOOTSTRAP_TABLE_1_19_0 = Package("bootstrap-table", "1.19.0", "MIT")
DATEPICKER = Package("bootstrap-datepicker", "1.9.0", "Apache-2.0")
BOOTSTRAP_DARK = Package("@forevolve/bootstrap-dark", "1.1.0", "MIT")
# GX asks jsDelivr for vega@5, vega-lite@5 and vega-embed@6, that is the newest release of each
# major version: pinned here to the newest when this was written (vega-lite 5.23 needs vega
# >= 5.24, vega-embed 6.29 vega >= 5.21)
VEGA = Package("vega", "5.33.1", "BSD-3-Clause")
VEGA_LITE = Package("vega-lite", "5.23.0", "BSD-3-Clause")
VEGA_EMBED = Package("vega-embed", "6.29.0", "BSD-3-Clause")

_TABLE_EXT = "dist/extensions/filter-control/bootstrap-table-filter-control"
# great_expectations 1.24's templates: page.j2, page_minimal.j2, index_page.j2,
# js_script_imports.j2 (GX's own logo, from its servers, is suites.scrub_data_docs's)
ASSETS = (
    Asset(
        "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
        BOOTSTRAP,
        "dist/css/bootstrap.min.css",
    ),
    Asset(
        "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
        BOOTSTRAP,
        "dist/js/bootstrap.min.js",
    ),
    Asset("https://code.jquery.com/jquery-3.7.1.min.js", JQUERY, "dist/jquery.min.js"),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
        POPPER,
        "dist/umd/popper.min.js",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
        FONT_AWESOME,
        "css/all.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
        BOOTSTRAP_TABLE,
        "dist/bootstrap-table.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
        BOOTSTRAP_TABLE,
        "dist/bootstrap-table.min.js",
    ),
    Asset(
        f"https://unpkg.com/bootstrap-table@1.19.1/{_TABLE_EXT}.min.js",
        BOOTSTRAP_TABLE,
        f"{_TABLE_EXT}.min.js",
    ),
    Asset(
        f"https://unpkg.com/bootstrap-table@1.19.0/{_TABLE_EXT}.css",
        BOOTSTRAP_TABLE_1_19_0,
        f"{_TABLE_EXT}.css",
    ),
    Asset(
        f"https://unpkg.com/bootstrap-table@1.19.0/{_TABLE_EXT}.min.css",
        BOOTSTRAP_TABLE_1_19_0,
        f"{_TABLE_EXT}.min.css",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
        "bootstrap-datepicker.min.css",
        DATEPICKER,
        "dist/css/bootstrap-datepicker.min.css",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
        "bootstrap-datepicker.min.js",
        DATEPICKER,
        "dist/js/bootstrap-datepicker.min.js",
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
        "bootstrap-prefers-dark.css",
        BOOTSTRAP_DARK,
        "dist/css/bootstrap-prefers-dark.css",
    ),
    # a bare package URL: jsDelivr serves the file its package.json names under "jsdelivr"
    Asset("https://cdn.jsdelivr.net/npm/vega@5", VEGA, "build/vega.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-lite@5", VEGA_LITE, "build/vega-lite.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-embed@6", VEGA_EMBED, "build/vega-embed.min.js"),
)
PACKAGES = tuple(dict.fromkeys(asset.package for asset in ASSETS))
# kept beside the files: the licences travel with the docs; package.json names version and
# licence of the packages that ship no licence file (popper.js, vega)
PACKAGE_NOTICES = re.compile(r"(LICEN[CS]E|COPYING|NOTICE)[^/]*|package\.json", re.IGNORECASE)

_CSS_URL = re.compile(r"""url\(\s*["']?(?P<target>[^"')]+?)["']?\s*\)""")


# ------------------------------------------------------------------------------- setup time
def install_assets(assets_dir: Path = ASSETS_DIR, npm: str | None = None) -> Path:
    """Fetch the packages that are not complete in `assets_dir` from the npm registry.

    For the setup of a machine (it reaches the registry), never for a run: `npm pack` downloads
    each package's tarball (npm checks it against the registry's integrity hash) without its
    dependencies or install scripts; only the files of ASSETS, what their stylesheets load (Font
    Awesome's fonts) and the licences are kept, a folder per package. Returns `assets_dir`.
    """
    assets_dir = Path(assets_dir)
    missing = [p for p in PACKAGES if not complete(assets_dir, p)]
    if not missing:
        return assets_dir
    npm = npm or shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found: the Data Docs' assets come from the npm registry")
    assets_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gx-assets-", dir=assets_dir) as scratch:
        scratch = Path(scratch)
        packed = subprocess.run(
            [npm, "pack", "--json", "--pack-destination", str(scratch)] + [p.spec for p in missing],
            cwd=scratch,  # an empty folder: npm packs the registry's packages, no project's
            env=subprocess_env(
                npm_config_update_notifier="false",
                npm_config_fund="false",
                npm_config_audit="false",
            ),
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
        )
        if packed.returncode != 0:
            raise RuntimeError(f"npm pack failed:\n{packed.stderr[-3000:]}")
        tarballs = {(t["name"], t["version"]): scratch / t["filename"] for t in _json(packed)}
        for package in missing:
            folder = scratch / package.folder
            _extract(tarballs[package.name, package.version], package, folder)
            target = assets_dir / package.folder
            shutil.rmtree(target, ignore_errors=True)  # an incomplete one, from an older table
            folder.rename(target)  # whole or not at all: a folder there is a complete one
    return assets_dir


def _json(packed: subprocess.CompletedProcess) -> list[dict]:
    # whatever npm prints before its JSON array (notices) is not part of it
    return json.loads(packed.stdout[packed.stdout.index("[") :])


def complete(assets_dir: Path, package: Package) -> bool:
    folder = assets_dir / package.folder
    return all((folder / a.path).is_file() for a in ASSETS if a.package == package)


def _extract(tarball: Path, package: Package, folder: Path) -> None:
    """The package's asset files, the files their stylesheets load and its licences."""
    with tarfile.open(tarball, "r:gz") as archive:
        # npm tarballs hold one top folder, usually package/: paths are relative to it
        members = {
            m.name.split("/", 1)[1]: m for m in archive.getmembers() if m.isfile() and "/" in m.name
        }
        wanted = [a.path for a in ASSETS if a.package == package]
        for path in wanted:
            if path.endswith(".css"):
                css = archive.extractfile(members[path]).read().decode("utf-8")
                wanted += sorted(_css_dependencies(path, css, members))
        wanted += [path for path in members if PACKAGE_NOTICES.fullmatch(path)]
        for path in dict.fromkeys(wanted):
            if path not in members:
                raise RuntimeError(f"{package.spec} has no {path}: see ASSETS")
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(members[path]).read())


def _css_dependencies(path: str, css: str, members: Iterable[str]) -> set[str]:
    """The package files a stylesheet loads with url(): fonts and images, by relative path."""
    found = set()
    for match in _CSS_URL.finditer(css):
        target = match["target"].split("#")[0].split("?")[0]
        if not target or target.startswith(("data:", "/")) or "//" in target:
            continue
        found.add(posixpath.normpath(posixpath.join(posixpath.dirname(path), target)))
    return found & set(members)
