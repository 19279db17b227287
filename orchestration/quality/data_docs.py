"""Great Expectations' Data Docs, made to work offline: no page loads anything from the internet.

GX's page templates load their stylesheets and scripts from CDNs (see data_docs_assets.py) and
their logo from GX's servers. The Collectivité's machines have no internet: there the pages would
show unstyled, their tables empty (bootstrap-table draws them in JavaScript). Where there is a
network, every page opened would tell the CDNs (and GX) who reads the validation results, and
when: no request may leave the docs.

`make_data_docs_offline()` reaches no network: it copies the installed files
(data_docs_assets.install_assets, `python -m orchestration.quality.data_docs --install`) into the
docs folder (static/vendor/) and points the pages at them. A URL it cannot replace (assets not
installed, a GX upgrade with a new CDN file) is left as it is and returned, so that the caller can
say so. `scrub_data_docs()`, run after each validation, also points GX's logo at the site's copy.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from orchestration.quality.data_docs_assets import (
    ASSETS,
    ASSETS_DIR,
    Asset,
    complete,
    install_assets,
)

VENDOR_SUBDIR = Path("static") / "vendor"  # under the data docs folder
PAGE_SUFFIXES = (".html", ".css", ".js")

# an address a page would fetch: absolute, or protocol-relative where a URL is expected
_ABSOLUTE = re.compile(r"""https?://[^\s"'<>()\\`]+""", re.IGNORECASE)
_PROTOCOL_RELATIVE = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|\burl\(\s*["']?|@import\s+["'])(//[^\s"'<>()\\`]+)""",
    re.IGNORECASE,
)
# ...and the addresses nothing fetches: a link followed only if the reader clicks it, an XML
# namespace, the name of a vega(-lite) schema (vega-embed reads its version, fetches nothing)
_NOT_FETCHED_BEFORE = re.compile(
    r"""(?:<a\s[^<>]*\bhref|\bxmlns(?::\w+)?)\s*=\s*["']?$|["']\$schema["']\s*:\s*["']$""",
    re.IGNORECASE,
)
_CONTEXT_CHARS = 1000  # how far back a reference's tag or key is looked for
_LOADING_TAG = re.compile(r"<(?:script|link)\b[^<>]*>", re.IGNORECASE)
_TAG_URL = re.compile(r"""\b(?:src|href)\s*=\s*(["'])(?P<url>[^"']+)\1""", re.IGNORECASE)
_INTEGRITY = re.compile(r"""\s+integrity\s*=\s*(["'])(?P<hashes>[^"']*)\1""", re.IGNORECASE)
_CROSSORIGIN = re.compile(r"""\s+crossorigin(?:\s*=\s*(["'])[^"']*\1)?""", re.IGNORECASE)


# --------------------------------------------------------------------------------- run time
def make_data_docs_offline(data_docs_dir: Path, assets_dir: Path = ASSETS_DIR) -> list[str]:
    """Copy the CDN files GX's pages load into `data_docs_dir`/static/vendor/ and point every
    .html, .css and .js file of the folder at them, by a path relative to that file.

    Reads only `assets_dir` (see install_assets): nothing is fetched. Returns the addresses
    that pages would still fetch, sorted: an empty list when the docs are wholly offline. Those
    are the URLs that are not in ASSETS, those whose package is not installed, and those whose
    local copy does not match the page's integrity hash; they are left as they are. Links the
    reader may click (<a href>) are not fetched and stay. Running it again changes nothing; the
    files under static/vendor/ are the packages' own and are not rewritten.
    """
    data_docs_dir = Path(data_docs_dir)
    vendor = data_docs_dir / VENDOR_SUBDIR
    available = {asset.url: asset for asset in ASSETS if complete(Path(assets_dir), asset.package)}
    for package in dict.fromkeys(asset.package for asset in available.values()):
        _copy_tree(Path(assets_dir) / package.folder, vendor / package.folder)
    remaining: set[str] = set()
    for page in _pages(data_docs_dir, vendor):
        text = page.read_text(encoding="utf-8")
        new = _rewrite(text, available, vendor, page.parent)
        if new != text:
            page.write_text(new, encoding="utf-8")
        remaining.update(fetched_addresses(new))
    return sorted(remaining)


def fetched_addresses(text: str) -> list[str]:
    """The external addresses a page, stylesheet or script would fetch, in order of appearance."""
    found = [(m.start(), m.group()) for m in _ABSOLUTE.finditer(text)]
    found += [(m.start(1), m.group(1)) for m in _PROTOCOL_RELATIVE.finditer(text)]
    return [
        url
        for start, url in sorted(found)
        if not _NOT_FETCHED_BEFORE.search(text, max(0, start - _CONTEXT_CHARS), start)
    ]


def _pages(data_docs_dir: Path, vendor: Path) -> list[Path]:
    # the packages' own files are left alone: the URLs in them are licence comments, XML
    # namespaces and links of documentation, and whatever they load is copied beside them
    return sorted(
        path
        for path in data_docs_dir.rglob("*")
        if path.suffix in PAGE_SUFFIXES and path.is_file() and not path.is_relative_to(vendor)
    )


def _rewrite(text: str, available: dict[str, Asset], vendor: Path, folder: Path) -> str:
    def local(asset: Asset) -> str:
        return Path(os.path.relpath(vendor / asset.local, folder)).as_posix()

    def tag(match: re.Match) -> str:
        source = _TAG_URL.search(match.group())
        asset = available.get(source["url"]) if source else None
        if asset is None:
            return match.group()
        tag_text = match.group()
        integrity = _INTEGRITY.search(tag_text)
        if integrity:
            # a browser checks an integrity hash only on a CORS request, and makes none to a
            # file:// page: the scripts would be blocked. Checked here instead, then dropped
            if not _matches(integrity["hashes"], vendor / asset.local):
                return tag_text
            tag_text = _INTEGRITY.sub("", tag_text)
        tag_text = _CROSSORIGIN.sub("", tag_text)  # a CORS request to a file:// is refused
        return tag_text.replace(source["url"], local(asset), 1)

    def elsewhere(segment: str) -> str:
        # stylesheets' url() and @import, inline styles: the address alone
        return _ABSOLUTE.sub(
            lambda m: local(available[m.group()]) if m.group() in available else m.group(),
            segment,
        )

    # the tags apart: one that tag() leaves as it is (integrity mismatch) must stay whole
    parts, end = [], 0
    for match in _LOADING_TAG.finditer(text):
        parts += [elsewhere(text[end : match.start()]), tag(match)]
        end = match.end()
    return "".join([*parts, elsewhere(text[end:])])


def _matches(hashes: str, path: Path) -> bool:
    """Whether the file matches one of a Subresource Integrity value's hashes (sha256/384/512)."""
    content = path.read_bytes()
    for item in hashes.split():
        algorithm, _, expected = item.partition("-")
        if algorithm in ("sha256", "sha384", "sha512"):
            digest = base64.b64encode(hashlib.new(algorithm, content).digest()).decode()
            if digest == expected.split("?")[0]:
                return True
    return False


def _copy_tree(source: Path, target: Path) -> None:
    """Copy the files that are missing or differ: a second run writes nothing."""
    for path in source.rglob("*"):
        if not path.is_file():
            continue
        copy = target / path.relative_to(source)
        if copy.is_file() and copy.read_bytes() == path.read_bytes():
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)


# -------------------------------------------------------------------------------------- CLI


_TRACKER = re.compile(
    r"https://great-expectations-web-assets\.s3[^\"')\s]*/([\w.-]+\.png)[^\"')\s]*"
)


def scrub_data_docs(data_docs_dir: Path) -> list[str]:
    """Point GX's logo, and its CDN files (bootstrap, jQuery, ...), at copies in the site: the
    docs open offline and tell nobody who reads them. Returns the addresses pages still fetch.

    GX's page template loads its logo from GX's servers with the time and the data context id in
    the address: opening the docs would tell GX who looked at them, and when.
    """
    images = data_docs_dir / "static" / "images"
    pages = [*data_docs_dir.rglob("*.html"), *data_docs_dir.rglob("*.css")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if "great-expectations-web-assets" not in text:
            continue
        local = Path(os.path.relpath(images, page.parent)).as_posix()
        page.write_text(_TRACKER.sub(rf"{local}/\1", text), encoding="utf-8")
    return make_data_docs_offline(data_docs_dir)


# -------------------------------------------------------------------------------------- CLI
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.quality.data_docs",
        description="Great Expectations' Data Docs without CDNs: install their assets (setup "
        "time, from the npm registry) or make a Data Docs folder offline (no network).",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--install", action="store_true", help=f"fetch the npm packages into {ASSETS_DIR}"
    )
    action.add_argument(
        "--offline", type=Path, metavar="DIR", help="make a Data Docs folder offline"
    )
    args = parser.parse_args(argv)
    if args.install:
        print(install_assets())
        return 0
    remaining = make_data_docs_offline(args.offline)
    for url in remaining:
        print(f"still fetched: {url}", file=sys.stderr)
    return 1 if remaining else 0


if __name__ == "__main__":
    sys.exit(main())
