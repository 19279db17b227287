"""The dbt documentation of the warehouse as one offline page, published with the BI site.

`dbt docs generate --static` writes a single HTML file (the manifest embedded, no request to any
server), which the site serves at /dbt-docs/ and links from its home page. The page is generated
from the project alone: `--empty-catalog` and a scratch database, so it never opens the published
warehouse (BI readers) nor the build file (a run). Every column is described in the models' YAML
(tests/test_dbt_standards.py), so the page shows each model's columns without the warehouse's
catalog; lineage reaches the BI pages through the exposures of models/bi/.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from orchestration.defs.dbt.resources import DBT_TARGET, dbt_executable
from orchestration.settings import BUILD_DATABASE_VARIABLE, PROJECT_DIR, subprocess_env

DOCS_TIMEOUT_SECONDS = 300


class DbtDocsError(RuntimeError):
    pass


def write_dbt_docs(page: Path) -> Path:
    """Write the project's dbt documentation, one self-contained HTML file, to `page`."""
    page = Path(page)
    with tempfile.TemporaryDirectory(prefix="leia-dbt-docs-") as scratch:
        scratch = Path(scratch)
        target = scratch / "target"
        result = subprocess.run(
            [dbt_executable(), "docs", "generate", "--static", "--empty-catalog"]
            + ["--target", DBT_TARGET, "--project-dir", str(PROJECT_DIR)]
            + ["--profiles-dir", str(PROJECT_DIR), "--target-path", str(target)]
            + ["--log-path", str(scratch / "logs"), "--quiet"],
            cwd=PROJECT_DIR,
            # a scratch database: the page needs the project, not the warehouse's data
            env=subprocess_env(**{BUILD_DATABASE_VARIABLE: str(scratch / "docs.duckdb")}),
            capture_output=True,
            text=True,
            timeout=DOCS_TIMEOUT_SECONDS,
        )
        generated = target / "static_index.html"
        if result.returncode != 0 or not generated.is_file():
            said = (result.stdout + result.stderr).strip().splitlines()[-20:]
            raise DbtDocsError(
                f"dbt docs generate failed (exit {result.returncode}):\n" + "\n".join(said)
            )
        page.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated, page)
    return page
