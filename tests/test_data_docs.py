"""Great Expectations' Data Docs made offline (orchestration/quality/data_docs.py).

Real Data Docs of a small real warehouse (generated, loaded, built by dbt, validated by GX), made
offline, then opened in Debian's headless Chromium behind a proxy that refuses every connection,
as on the Collectivité's machines. Chromium is driven through its DevTools protocol on a pipe: the
test sees every request a page makes and reads the styles the browser computed, instead of
guessing from pixels. The docs as GX writes them, with their CDN addresses, fail the same checks:
the checks can fail.

Kept on purpose: `<a href>` links to greatexpectations.io (GX's footer and sidebar). A link is
fetched only when the reader clicks it, so it neither breaks an offline page nor tells anyone that
the docs were opened; everything a page loads by itself must come from the folder.

Needs npm (install_assets fetches the packages from the npm registry when the virtual environment
lacks them, as the setup does) and Debian's chromium: it fails, never skips, without them.

Longer than 350 lines because the Chromium DevTools driver the checks need and the checks on one
set of real Data Docs belong together; split, the Data Docs would be built per module.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import re
import select
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from orchestration.quality import data_docs, data_docs_assets
from orchestration.quality.data_docs import VENDOR_SUBDIR, make_data_docs_offline
from orchestration.quality.data_docs_assets import ASSETS, PACKAGES, install_assets
from orchestration.quality.validate import validate_warehouse
from orchestration.synthetic.generate import generate
from tests.conftest import APT_LINE, build_warehouse

# GX's page templates and stylesheets, found without importing GX (seconds)
GX_VIEW = (
    Path(importlib.util.find_spec("great_expectations").submodule_search_locations[0])
    / "render"
    / "view"
)
KEPT_LINK_HOSTS = {"greatexpectations.io"}  # GX's footer and sidebar links, see above
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1280,900",
    # no internet: every connection goes to a proxy that is not there (port 9, discard)
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--remote-debugging-pipe",
]
# what the page itself says once loaded: bootstrap's font stack and sticky navbar, the libraries'
# own version strings, Font Awesome's font, the tables bootstrap-table draws
PAGE_STATE = """(async () => {
  await document.fonts.ready;
  await new Promise(resolve => setTimeout(resolve, 500));
  const $ = window.jQuery;
  return {
    bodyFont: getComputedStyle(document.body).fontFamily,
    navbar: getComputedStyle(document.querySelector('nav.navbar')).position,
    jquery: $ ? $.fn.jquery : null,
    bootstrap: $ && $.fn.tooltip ? $.fn.tooltip.Constructor.VERSION : null,
    bootstrapTable: $ && $.fn.bootstrapTable ? $.fn.bootstrapTable.VERSION : null,
    datepicker: $ ? typeof $.fn.datepicker : null,
    popper: typeof window.Popper,
    vega: window.vega ? vega.version : null,
    vegaLite: window.vegaLite ? vegaLite.version : null,
    vegaEmbed: window.vegaEmbed ? vegaEmbed.version : null,
    fontAwesome: [...document.fonts].some(
      font => font.family.includes('Font Awesome') && font.status === 'loaded'),
    tables: document.querySelectorAll('.bootstrap-table').length,
  };
})()"""
# GX's favicon.j2 climbs one folder too few from a validation page (top_navbar.j2 climbs right):
# a local file that is not there, GX's bug, not a request that leaves the machine
GX_FAVICON_BUG = re.compile(r"/validations/static/images/favicon\.ico$")


# ------------------------------------------------------------------------------- the docs
@pytest.fixture(scope="module")
def assets() -> Path:
    """The packages' files, installed as the setup does: nothing to do when they are there."""
    missing = [tool for tool in ("npm", "chromium") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: the Data Docs test needs them ({APT_LINE})")
    return install_assets()


@pytest.fixture(scope="module")
def built(assets: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """(Data Docs folder made offline, what make_data_docs_offline returned)."""
    root = tmp_path_factory.mktemp("data_docs")
    landing, database, docs = root / "landing", root / "build.duckdb", root / "gx_data_docs"
    generate(landing, seed=3, scale=0.005)
    build_warehouse(landing, database, calibrated=False)
    validate_warehouse(database, docs)
    return docs, make_data_docs_offline(docs)


@pytest.fixture
def as_gx_writes_them(built, tmp_path: Path) -> Path:
    """A copy of the docs with GX's CDN addresses: the offline ones with their local paths
    turned back into the URLs (validate_warehouse may already make its docs offline)."""
    docs, _ = built
    copy = tmp_path / "gx_data_docs"
    shutil.copytree(docs, copy, ignore=shutil.ignore_patterns("vendor"))
    for page in pages(copy):
        text = page.read_text(encoding="utf-8")
        for asset in ASSETS:
            local = os.path.relpath(copy / VENDOR_SUBDIR / asset.local, page.parent)
            quoted = rf"""(?<=["']){re.escape(Path(local).as_posix())}(?=["'])"""
            text = re.sub(quoted, asset.url, text)
        page.write_text(text, encoding="utf-8")
    return copy


def pages(docs: Path) -> list[Path]:
    vendor = docs / VENDOR_SUBDIR
    return sorted(
        p
        for p in docs.rglob("*")
        if p.suffix in (".html", ".css", ".js") and not p.is_relative_to(vendor)
    )


class References(HTMLParser):
    """The tags of a page with their attributes, and the text of its scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.code: list[str] = []
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_code = tag in ("script", "style")
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.code.append(data)


def references(page: Path) -> References:
    parser = References()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def loaded(tag: str, attributes: dict[str, str]) -> str | None:
    """The address a tag makes the browser load by itself, if any."""
    if tag in ("script", "img"):
        return attributes.get("src")
    if tag == "link" and "stylesheet" in attributes.get("rel", "").split():
        return attributes.get("href")
    return None


def external(value: str) -> bool:
    return bool(re.match(r"\s*(https?:)?//", value, re.IGNORECASE))


# ---------------------------------------------------------------------------- the contract
def test_no_page_loads_anything_from_outside_the_folder(built) -> None:
    docs, remaining = built
    assert remaining == []
    html_pages = [p for p in pages(docs) if p.suffix == ".html"]
    assert len(html_pages) > 10 and (docs / "index.html") in html_pages
    links = set()
    for page in pages(docs):
        if page.suffix != ".html":  # GX's stylesheets under static/styles/
            assert not re.search(r"https?://", page.read_text(encoding="utf-8")), page
            continue
        found = references(page)
        for tag, attributes in found.tags:
            for name, value in attributes.items():
                if external(value):
                    assert (tag, name) == ("a", "href"), f"{page}: <{tag} {name}={value}>"
                    links.add(re.match(r"\s*(?:https?:)?//([^/?#]+)", value)[1])
            # what the page loads is in the folder, where the page's relative path says
            address = loaded(tag, attributes)
            if address and not address.startswith("data:"):
                assert (page.parent / address.split("?")[0]).is_file(), (page, address)
        for code in found.code:
            assert not re.search(r"https?://", code), f"{page}: an address in a script or style"
    assert links <= KEPT_LINK_HOSTS


def test_running_it_again_changes_nothing(built) -> None:
    docs, _ = built

    def state() -> dict[str, tuple[str, int]]:
        return {
            str(p.relative_to(docs)): (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                p.stat().st_mtime_ns,
            )
            for p in docs.rglob("*")
            if p.is_file()
        }

    before = state()
    assert make_data_docs_offline(docs) == []
    assert state() == before


def test_the_copies_are_the_versions_gx_names(built) -> None:
    """Each URL of GX's HTML templates has its copy, of the version in the URL; the two files
    GX pins with an integrity hash are the very bytes it expects."""
    docs, _ = built
    urls = set()
    for template in [*GX_VIEW.rglob("*.j2"), *GX_VIEW.rglob("*.css")]:
        if not template.name.startswith("markdown_"):  # GX's Markdown pages: not Data Docs
            urls |= set(data_docs.fetched_addresses(template.read_text(encoding="utf-8")))
    # GX's logo comes from its servers: data_docs.scrub_data_docs points it at the site's copy
    urls = {u for u in urls if "great-expectations-web-assets" not in u}
    assert urls == {asset.url for asset in ASSETS}
    for asset in ASSETS:
        # the full version in the URL, or jsDelivr's major version (vega@5)
        version = asset.package.version
        named = re.search(rf"[@/-]{re.escape(version)}(/|\.min\.)", asset.url)
        assert named or asset.url.endswith(f"@{version.split('.')[0]}"), asset
    pinned = re.findall(r'src="([^"]+)" integrity="sha384-([^"]+)"', gx_script_imports())
    assert len(pinned) == 2
    by_url = {asset.url: asset for asset in ASSETS}
    for url, expected in pinned:
        copy = docs / VENDOR_SUBDIR / by_url[url].local
        assert base64.b64encode(hashlib.sha384(copy.read_bytes()).digest()).decode() == expected
    for package in PACKAGES:
        manifest = json.loads((docs / VENDOR_SUBDIR / package.folder / "package.json").read_text())
        assert (manifest["name"], manifest["version"]) == (package.name, package.version)
        assert manifest["license"] == package.licence


def gx_script_imports() -> str:
    """GX's script tags, as its templates write them into every page."""
    template = (GX_VIEW / "templates" / "js_script_imports.j2").read_text(encoding="utf-8")
    return "\n".join(
        line for line in template.splitlines() if line.startswith(("<script", "<link"))
    )


def test_without_the_assets_the_pages_keep_their_urls(as_gx_writes_them, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in pages(as_gx_writes_them)}
    remaining = make_data_docs_offline(as_gx_writes_them, assets_dir=tmp_path / "none")
    assert remaining == sorted(asset.url for asset in ASSETS)
    assert {p: p.read_bytes() for p in pages(as_gx_writes_them)} == before


def test_a_copy_that_is_not_the_file_gx_pins_is_not_used(assets: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.html").write_text(f"<head>{gx_script_imports()}</head>", encoding="utf-8")
    altered = tmp_path / "assets"
    shutil.copytree(assets, altered)
    popper = next(a for a in ASSETS if a.package.name == "popper.js")
    with (altered / popper.local).open("a") as handle:
        handle.write("\n// not the file the page's integrity hash names\n")
    assert make_data_docs_offline(docs, assets_dir=altered) == [popper.url]
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert f'src="{popper.url}" integrity="sha384-' in index  # the tag as GX wrote it
    bootstrap = '<script src="static/vendor/bootstrap-4.3.1/dist/js/bootstrap.min.js"></script>'
    assert bootstrap in index  # checked against its hash, then the attributes dropped


# ----------------------------------------------------------------------------- in Chromium
def open_in_chromium(page: Path, profile: Path) -> tuple[dict[str, Any], list[dict]]:
    """Open `page` in headless Chromium: (PAGE_STATE's answer, the DevTools events it sent)."""
    browser_reads, to_browser = os.pipe()
    from_browser, browser_writes = os.pipe()

    def pipe_fds() -> None:  # the protocol's pipe: Chromium reads fd 3, writes fd 4
        reads, writes = os.dup(browser_reads), os.dup(browser_writes)
        os.dup2(reads, 3)
        os.dup2(writes, 4)

    browser = subprocess.Popen(
        [shutil.which("chromium"), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        preexec_fn=pipe_fds,
        close_fds=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(browser_reads)
    os.close(browser_writes)
    events: list[dict] = []
    pending = b""
    counter = iter(range(1, 1_000_000))

    def receive(wanted, timeout: float = 60) -> dict:
        nonlocal pending
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in pending:
                raw, pending = pending.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return message
                events.append(message)
            ready, _, _ = select.select([from_browser], [], [], deadline - time.monotonic())
            assert ready, f"Chromium did not answer in {timeout} s on {page}"
            chunk = os.read(from_browser, 1 << 20)
            assert chunk, f"Chromium closed the pipe on {page}"
            pending += chunk

    def call(method: str, session: str | None = None, **params) -> dict:
        number = next(counter)
        message = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(to_browser, json.dumps(message).encode() + b"\0")
        answer = receive(lambda m: m.get("id") == number)
        assert "error" not in answer, answer
        return answer["result"]

    try:
        target = call("Target.createTarget", url="about:blank")["targetId"]
        session = call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            call(f"{domain}.enable", session)
        call("Page.navigate", session, url=page.as_uri())
        receive(lambda m: m.get("method") == "Page.loadEventFired")
        state = call(
            "Runtime.evaluate",
            session,
            expression=PAGE_STATE,
            awaitPromise=True,
            returnByValue=True,
        )
        assert "exceptionDetails" not in state, state
        call("Browser.close")
        browser.wait(timeout=30)
    finally:
        if browser.poll() is None:
            browser.kill()
            browser.wait()
        os.close(to_browser)
        os.close(from_browser)
    return state["result"]["value"], events


def requested(events: list[dict]) -> list[str]:
    return [
        e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]


def failures(events: list[dict]) -> list[str]:
    """What went wrong in the page: failed loads (by URL), errors logged, exceptions thrown."""
    urls = {
        e["params"]["requestId"]: e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    }
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.loadingFailed":
            url = urls.get(params["requestId"], "?")
            if not GX_FAVICON_BUG.search(url):
                found.append(f"{url}: {params['errorText']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            if not GX_FAVICON_BUG.search(params["entry"].get("url", "")):
                found.append(params["entry"]["text"])
        elif method == "Runtime.exceptionThrown":
            found.append(json.dumps(params["exceptionDetails"])[:500])
        elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
            found.append(json.dumps(params["args"])[:500])
    return found


def test_the_pages_open_styled_with_no_network(built, tmp_path: Path) -> None:
    docs, _ = built
    validation = sorted((docs / "validations").rglob("*.html"))[0]
    suite = sorted((docs / "expectations").glob("*.html"))[0]
    versions = {p.name: p.version for p in PACKAGES if p != data_docs_assets.BOOTSTRAP_TABLE_1_19_0}
    for page in (docs / "index.html", validation, suite):
        state, events = open_in_chromium(page, tmp_path / "profile")
        outside = [u for u in requested(events) if not u.startswith(("file://", "data:"))]
        assert outside == [], f"{page} asked the network for {outside}"
        assert failures(events) == [], page
        # bootstrap's stylesheet: its font stack on the body (Chromium's own is Times New Roman)
        # and its .sticky-top on GX's navbar
        assert state["bodyFont"].startswith("-apple-system"), (page, state)
        assert state["navbar"] == "sticky", (page, state)
        assert state["jquery"] == versions["jquery"]
        assert state["bootstrap"] == versions["bootstrap"]
        assert state["bootstrapTable"] == versions["bootstrap-table"]
        assert (state["popper"], state["datepicker"]) == ("function", "function")
        assert state["vega"] == versions["vega"] and state["vegaLite"] == versions["vega-lite"]
        assert state["vegaEmbed"] == versions["vega-embed"]
        assert state["tables"] >= 1, f"bootstrap-table drew no table in {page}"
        if page != suite:  # the suites' pages show no icon
            assert state["fontAwesome"], f"Font Awesome's font is not loaded in {page}"


def test_the_pages_as_gx_writes_them_fail_those_checks(as_gx_writes_them, tmp_path) -> None:
    state, events = open_in_chromium(as_gx_writes_them / "index.html", tmp_path / "profile")
    hosts = {re.match(r"https?://([^/]+)", u)[1] for u in requested(events) if u.startswith("http")}
    assert {"maxcdn.bootstrapcdn.com", "code.jquery.com", "unpkg.com"} <= hosts
    assert any("ERR_PROXY_CONNECTION_FAILED" in f for f in failures(events))
    assert not state["bodyFont"].startswith("-apple-system") and state["jquery"] is None
    assert state["tables"] == 0
