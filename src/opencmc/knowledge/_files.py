"""Reading knowledge-base YAML files: typed field parsers and the reference-data loaders."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from opencmc.knowledge.model import (
    Confidence,
    CtdSection,
    Guideline,
    ReleasePanel,
    ReleaseTest,
    _alias_key,
)
from opencmc.knowledge.vocabulary import Modality, Stage


class KnowledgeError(ValueError):
    """A knowledge-base file is malformed or inconsistent; names the file and the key."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        super().__init__(f"{file}: {key}: {problem}")


# --- reading ---------------------------------------------------------------------------


def _read(file: Path) -> dict[str, Any]:
    if not file.is_file():
        raise KnowledgeError(file.name, "(file)", "file not found")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(file.name, "(syntax)", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(file.name, "(top level)", "expected a mapping of keys")
    return data


def _items(data: dict[str, Any], key: str, file: str) -> list[dict[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise KnowledgeError(file, key, "expected a non-empty list")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise KnowledgeError(file, f"{key}[{i}]", "expected a mapping")
    return items


def _check_keys(
    item: Mapping[str, Any], allowed: set[str], required: set[str], file: str, where: str
) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise KnowledgeError(
            file,
            where,
            f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
        )
    missing = sorted(k for k in required if item.get(k) in (None, ""))
    if missing:
        raise KnowledgeError(file, where, f"missing required key(s): {', '.join(missing)}")


def _text(value: Any, file: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(file, where, f"expected non-empty text, got {value!r}")
    return value.strip()


def _texts(value: Any, file: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise KnowledgeError(file, where, f"expected a list, got {value!r}")
    for i, v in enumerate(value):
        # YAML reads an unquoted 2.3 as a number: say how to fix it
        if not isinstance(v, str):
            raise KnowledgeError(
                file, f"{where}[{i}]", f'expected text, got {v!r} (quote numbers like "2.3")'
            )
    return tuple(v.strip() for v in value)


def _confidence(value: Any, file: str, where: str) -> Confidence:
    try:
        return Confidence(str(value).strip().upper())
    except ValueError:
        raise KnowledgeError(file, where, f"confidence must be V, G or U, got {value!r}") from None


def _stage(value: Any, file: str, where: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        known = ", ".join(s.value for s in Stage)
        raise KnowledgeError(
            file, where, f"unknown stage {value!r}; expected one of: {known}"
        ) from None


def _modalities(
    value: Any, groups: Mapping[str, frozenset[Modality]], file: str, where: str
) -> frozenset[Modality]:
    if not isinstance(value, list) or not value:
        raise KnowledgeError(file, where, "expected a non-empty list of modalities or groups")
    found: set[Modality] = set()
    for v in value:
        if v in groups:
            found |= groups[v]
            continue
        try:
            found.add(Modality(v))
        except ValueError:
            known = ", ".join([*(m.value for m in Modality), *groups])
            raise KnowledgeError(
                file, where, f"unknown modality or group {v!r}; expected one of: {known}"
            ) from None
    return frozenset(found)


def _range(value: Any, file: str, where: str, *, positive: bool) -> tuple[float, float]:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )
    if not ok:
        raise KnowledgeError(file, where, f"expected [min, max] numbers, got {value!r}")
    low, high = float(value[0]), float(value[1])
    if not (math.isfinite(low) and math.isfinite(high)) or low > high or low < 0:
        raise KnowledgeError(file, where, f"expected 0 <= min <= max, got {value!r}")
    if positive and low <= 0:
        raise KnowledgeError(file, where, f"durations must be positive, got {value!r}")
    return low, high


# --- vocabulary, guidelines, CTD sections ------------------------------------------------


def _load_vocabulary(
    path: Path,
) -> tuple[
    dict[str, frozenset[Modality]], dict[str, Modality], dict[str, Stage], tuple[Stage, ...]
]:
    file = "modalities.yaml"
    data = _read(path / file)
    modality_aliases: dict[str, Modality] = {}
    stage_aliases: dict[str, Stage] = {}

    def add_alias(table: dict[str, Any], alias: str, value: Any, where: str) -> None:
        key = _alias_key(alias)
        if key in table and table[key] != value:
            raise KnowledgeError(file, where, f"alias {alias!r} already names {table[key].value}")
        table[key] = value

    seen_modalities = []
    for i, item in enumerate(_items(data, "modalities", file)):
        where = f"modalities[{i}]"
        _check_keys(item, {"id", "aliases"}, {"id"}, file, where)
        try:
            modality = Modality(item["id"])
        except ValueError:
            raise KnowledgeError(file, where, f"unknown modality {item['id']!r}") from None
        seen_modalities.append(modality)
        add_alias(modality_aliases, modality.value, modality, where)
        for alias in _texts(item.get("aliases"), file, f"{where}.aliases"):
            add_alias(modality_aliases, alias, modality, f"{where}.aliases")
    if sorted(seen_modalities) != sorted(Modality) or len(seen_modalities) != len(Modality):
        raise KnowledgeError(
            file, "modalities", "must list every modality of opencmc.knowledge.vocabulary once"
        )

    raw_groups = data.get("groups")
    if not isinstance(raw_groups, dict):
        raise KnowledgeError(file, "groups", "expected a mapping of group name to modalities")
    groups: dict[str, frozenset[Modality]] = {}
    for name, members in raw_groups.items():
        if name in modality_aliases:
            raise KnowledgeError(file, f"groups.{name}", "a group cannot reuse a modality name")
        groups[name] = _modalities(members, {}, file, f"groups.{name}")

    stages, milestones = [], []
    for i, item in enumerate(_items(data, "stages", file)):
        where = f"stages[{i}]"
        _check_keys(item, {"id", "aliases", "milestone"}, {"id"}, file, where)
        stage = _stage(item["id"], file, f"{where}.id")
        stages.append(stage)
        if item.get("milestone", False) is True:
            milestones.append(stage)
        add_alias(stage_aliases, stage.value, stage, where)
        for alias in _texts(item.get("aliases"), file, f"{where}.aliases"):
            add_alias(stage_aliases, alias, stage, f"{where}.aliases")
    if stages != list(Stage):
        raise KnowledgeError(file, "stages", "must list every stage of the vocabulary, in order")
    if not milestones:
        raise KnowledgeError(file, "stages", "at least one stage must be a milestone")
    return groups, modality_aliases, stage_aliases, tuple(milestones)


def _load_guidelines(
    file_path: Path, groups: Mapping[str, frozenset[Modality]]
) -> dict[str, Guideline]:
    file = file_path.name
    keys = {"id", "title", "issuer", "scope", "status", "modalities", "source", "confidence"}
    out: dict[str, Guideline] = {}
    for i, item in enumerate(_items(_read(file_path), "guidelines", file)):
        where = f"guidelines[{i}]"
        _check_keys(item, keys, keys - {"status"}, file, where)
        gid = _text(item["id"], file, f"{where}.id")
        if gid in out:
            raise KnowledgeError(file, f"{where}.id", f"duplicate guideline id {gid!r}")
        out[gid] = Guideline(
            id=gid,
            title=_text(item["title"], file, f"{where}.title"),
            issuer=_text(item["issuer"], file, f"{where}.issuer"),
            scope=_text(item["scope"], file, f"{where}.scope"),
            status=str(item.get("status") or ""),
            modalities=_modalities(item["modalities"], groups, file, f"{where}.modalities"),
            source=_text(item["source"], file, f"{where}.source"),
            confidence=_confidence(item["confidence"], file, f"{where}.confidence"),
        )
    return out


def _load_ctd_sections(file_path: Path) -> dict[str, CtdSection]:
    file = file_path.name
    data = _read(file_path)
    defaults = data.get("defaults") or {}
    out: dict[str, CtdSection] = {}
    for i, item in enumerate(_items(data, "sections", file)):
        where = f"sections[{i}]"
        merged = {**defaults, **item}
        keys = {"number", "title", "note", "source", "confidence"}
        _check_keys(merged, keys, keys - {"note"}, file, where)
        number = merged["number"]
        if not isinstance(number, str):
            raise KnowledgeError(file, f"{where}.number", f"quote the number: {number!r}")
        if number in out:
            raise KnowledgeError(file, f"{where}.number", f"duplicate CTD section {number!r}")
        parent = number.rsplit(".", 1)[0] if number.count(".") >= 2 else None
        if parent is not None and parent not in out:
            raise KnowledgeError(
                file, f"{where}.number", f"parent section {parent!r} of {number!r} must come first"
            )
        out[number] = CtdSection(
            number=number,
            title=_text(merged["title"], file, f"{where}.title"),
            parent=parent,
            note=str(merged.get("note") or ""),
            source=_text(merged["source"], file, f"{where}.source"),
            confidence=_confidence(merged["confidence"], file, f"{where}.confidence"),
        )
    return out


# --- release panels -----------------------------------------------------------------------


def _load_release_panels(file_path: Path) -> dict[Modality, tuple[ReleasePanel, ...]]:
    file = file_path.name
    panel_keys = {"id", "modality", "material", "title", "tests", "source", "confidence"}
    test_keys = {"attribute", "method", "acceptance_criterion", "category", "source", "confidence"}
    materials = {"drug_substance", "drug_product", "drug_substance_and_drug_product"}
    categories = {"general", "identity", "quantity", "purity", "impurity", "potency", "safety"}
    by_modality: dict[Modality, list[ReleasePanel]] = {}
    seen: set[str] = set()
    for i, item in enumerate(_items(_read(file_path), "panels", file)):
        where = f"panels[{i}] {item.get('id')!r}"
        _check_keys(item, panel_keys, panel_keys, file, where)
        pid = _text(item["id"], file, f"{where}.id")
        if pid in seen:
            raise KnowledgeError(file, f"{where}.id", f"duplicate panel id {pid!r}")
        seen.add(pid)
        try:
            modality = Modality(item["modality"])
        except ValueError:
            raise KnowledgeError(
                file, f"{where}.modality", f"unknown modality {item['modality']!r}"
            ) from None
        material = _text(item["material"], file, f"{where}.material")
        if material not in materials:
            raise KnowledgeError(file, f"{where}.material", f"expected one of {sorted(materials)}")
        source = _text(item["source"], file, f"{where}.source")
        confidence = _confidence(item["confidence"], file, f"{where}.confidence")
        tests = []
        raw_tests = item["tests"]
        if not isinstance(raw_tests, list) or not raw_tests:
            raise KnowledgeError(file, f"{where}.tests", "expected a non-empty list")
        for j, raw in enumerate(raw_tests):
            test_where = f"{where}.tests[{j}]"
            if not isinstance(raw, dict):
                raise KnowledgeError(file, test_where, "expected a mapping")
            _check_keys(raw, test_keys, test_keys - {"source", "confidence"}, file, test_where)
            category = _text(raw["category"], file, f"{test_where}.category")
            if category not in categories:
                raise KnowledgeError(
                    file, f"{test_where}.category", f"expected one of {sorted(categories)}"
                )
            tests.append(
                ReleaseTest(
                    attribute=_text(raw["attribute"], file, f"{test_where}.attribute"),
                    method=_text(raw["method"], file, f"{test_where}.method"),
                    acceptance_criterion=_text(
                        str(raw["acceptance_criterion"]), file, f"{test_where}.acceptance_criterion"
                    ),
                    category=category,
                    source=_text(raw.get("source", source), file, f"{test_where}.source"),
                    confidence=_confidence(
                        raw.get("confidence", confidence), file, f"{test_where}.confidence"
                    ),
                )
            )
        panel = ReleasePanel(
            pid,
            modality,
            material,
            _text(item["title"], file, f"{where}.title"),
            tuple(tests),
            source,
            confidence,
        )
        by_modality.setdefault(modality, []).append(panel)
    return {m: tuple(p) for m, p in by_modality.items()}
