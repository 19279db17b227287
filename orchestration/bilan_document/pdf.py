"""The PDF of the Bilan document: the HTML file printed by headless Chromium (Debian's
`chromium`), offline: no network, no component update, no header or footer added."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser")
INSTALL = "apt-get install -y chromium fonts-dejavu-core (or `make browser`)"
TIMEOUT_SECONDS = 180


class PdfError(RuntimeError):
    """Chromium is missing, or did not print the PDF."""


def find_chromium() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError(f"Chromium is missing: the PDF is printed by headless Chromium; {INSTALL}")


def chromium_command(browser: str, html: Path, pdf: Path, profile: Path) -> list[str]:
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-extensions",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        html.resolve().as_uri(),
    ]


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print `html` to `pdf` (written beside it, then moved into place)."""
    browser = find_chromium()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_name(f".{pdf.name}.partial")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="leia-bilan-chromium-") as profile:
        command = chromium_command(browser, html, partial, Path(profile))
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise PdfError(f"Chromium did not print {pdf} in {TIMEOUT_SECONDS} s") from error
    if result.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        raise PdfError(
            f"Chromium did not print {pdf} (exit {result.returncode}): {result.stderr[-1500:]}"
        )
    partial.replace(pdf)
    return pdf
