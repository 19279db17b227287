"""The dbt project's documentation standard, read from target/manifest.json (`make setup`).

Every model, seed and macro is described, and so is every column the YAML lists and every
argument of a macro; every model has a primary-key test and reads only from the layers below
it. That the YAML lists every real column
is `dbt docs generate`'s to check, against a built warehouse.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROJECT = "leia"
GROUP = "leia_data"
SIGNATURE = re.compile(r"\{%-?\s*(?:macro|test)\s+\w+\((.*?)\)\s*-?%\}", re.S)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return json.loads((PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def own(nodes: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [
        node
        for node in nodes.values()
        if node["resource_type"] == resource_type and node["package_name"] == PROJECT
    ]


def described(thing: dict[str, Any]) -> bool:
    return bool((thing.get("description") or "").strip())


def test_every_model_and_seed_and_their_columns_are_described(manifest) -> None:
    nodes = own(manifest["nodes"], "model") + own(manifest["nodes"], "seed")
    assert [n["name"] for n in nodes if not described(n)] == []
    assert [
        f"{n['name']}.{column['name']}"
        for n in nodes
        for column in n["columns"].values()
        if not described(column)
    ] == []


def test_every_macro_and_its_arguments_are_described(manifest) -> None:
    undescribed = []
    for macro in own(manifest["macros"], "macro"):
        if not described(macro):
            undescribed.append(macro["name"])
        signature = SIGNATURE.search(macro["macro_sql"])
        names = [a.split("=")[0].strip() for a in signature.group(1).split(",") if a.strip()]
        documented = {a["name"]: a for a in macro.get("arguments", [])}
        undescribed += [
            f"{macro['name']}({name})"
            for name in names
            if name not in documented or not described(documented[name])
        ]
    assert undescribed == []


def test_every_model_has_a_primary_key_test_and_an_owner(manifest) -> None:
    """unique + not_null on a column, or unique_combination + not_null on each of its columns;
    a view of a single keyed model may say so (meta primary_key_tested_on) instead."""
    unique, not_null, combinations = set(), set(), []
    for test in own(manifest["nodes"], "test"):
        metadata = test.get("test_metadata") or {}
        node, column = test.get("attached_node"), test.get("column_name")
        if metadata.get("name") == "unique":
            unique.add((node, column))
        elif metadata.get("name") == "not_null":
            not_null.add((node, column))
        elif metadata.get("name") == "unique_combination":
            combinations.append((node, metadata["kwargs"]["columns"]))
    without_key = []
    for model_id, model in manifest["nodes"].items():
        if model["resource_type"] != "model" or model["package_name"] != PROJECT:
            continue
        keyed = any((model_id, c) in not_null for n, c in unique if n == model_id) or any(
            all((model_id, c) in not_null for c in columns)
            for n, columns in combinations
            if n == model_id
        )
        if not keyed and (tested_on := model["config"]["meta"].get("primary_key_tested_on")):
            # a view of one model, row for row (fct_authentications): a second full scan of its
            # key would double the most expensive test of a build; the model it shows is keyed
            source = f"model.{PROJECT}.{tested_on}"
            keyed = (
                model["config"]["materialized"] == "view"
                and model["depends_on"]["nodes"] == [source]
                and any((source, c) in not_null for n, c in unique if n == source)
            )
        if not keyed:
            without_key.append(model["name"])
        assert model["config"].get("group") == GROUP, model["name"]
        # the group names an owner; it must restrict no ref
        assert model["config"].get("access") != "private", model["name"]
    assert without_key == []
    assert manifest["groups"][f"group.{PROJECT}.{GROUP}"]["owner"]["name"]


# what each layer may read (GitLab's dbt guide): staging the sources and seeds, intermediate the
# staging and itself, marts everything below them, bi the marts (and what marts read) and the
# run's own records it declares (models/bi/_bi__sources.yml: validation results, landing files,
# written by the run around dbt, never transformed)
READS = {
    "staging": {"source", "seed", "staging"},
    "intermediate": {"seed", "staging", "intermediate"},
    "marts": {"seed", "staging", "intermediate", "marts"},
    "bi": {"seed", "staging", "intermediate", "marts", "bi", "bi source"},
}


def layer(node: dict[str, Any]) -> str:
    if node["resource_type"] == "source" and Path(node["original_file_path"]).parts[1] == "bi":
        return "bi source"
    if node["resource_type"] in ("source", "seed"):
        return node["resource_type"]
    return Path(node["original_file_path"]).parts[1]  # models/<layer>/...


def test_every_model_reads_only_from_the_layers_below_it(manifest) -> None:
    nodes = {**manifest["nodes"], **manifest["sources"]}
    upward = [
        f"{model['name']} ({layer(model)}) reads {nodes[parent]['name']} ({layer(nodes[parent])})"
        for model in own(manifest["nodes"], "model")
        for parent in model["depends_on"]["nodes"]
        if layer(nodes[parent]) not in READS[layer(model)]
    ]
    assert upward == []


def input_name(given: str) -> str:
    """`ref('model')` → model, `source('raw', 'table')` → raw.table."""
    names = re.findall(r"['\"]([^'\"]+)['\"]", given)
    return ".".join(names)


def parent_name(node: dict[str, Any]) -> str:
    if node["resource_type"] == "source":
        return f"{node['source_name']}.{node['name']}"
    return node["name"]


def test_every_unit_test_gives_the_inputs_its_model_reads(manifest) -> None:
    # dbt parse accepts a `given` its model does not read; `dbt build` then fails on it
    nodes = {**manifest["nodes"], **manifest["sources"]}
    models = {model["name"]: model for model in own(manifest["nodes"], "model")}
    unit_tests = [
        test for test in manifest["unit_tests"].values() if test["package_name"] == PROJECT
    ]
    assert unit_tests

    def reads(model: str) -> set[str]:
        return {parent_name(nodes[parent]) for parent in models[model]["depends_on"]["nodes"]}

    strangers = [
        f"{test['name']} gives {given['input']}, which {test['model']} does not read"
        for test in unit_tests
        for given in test["given"]
        if input_name(given["input"]) not in reads(test["model"])
    ]
    assert strangers == []


def test_every_monthly_model_says_why_its_tests_may_check_the_rebuilt_months_only(
    manifest,
) -> None:
    # their tests check the months a run rebuilds (macros/monthly_partitions.sql): a key unique
    # within its month is unique only if the key holds the month, which the YAML says how
    monthly = [
        model
        for model in own(manifest["nodes"], "model")
        if model["config"].get("unique_key") == "partition_month"
    ]
    assert len(monthly) >= 9
    silent = [
        model["name"]
        for model in monthly
        if not model["config"]["meta"].get("tests_check_rebuilt_months")
    ]
    assert silent == []
