"""The engines an assessment runs: each reads a candidate's definition and its options.

Each engine names the candidate definitions it runs on, checks and completes its options
(so that the stored inputs hold every value the numbers depend on), runs the science
engine and returns the result as a dict with a one-line summary. Input an engine refuses
becomes :class:`InvalidInput` naming the candidate field. ``version`` is OpenCMC's version
and that of the library that decides the numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from opencmc import __version__
from opencmc.platform.errors import InvalidInput
from opencmc.science.design.codons import HOSTS

MAX_FOLD_NT = 6000  # folding a longer mRNA in a request takes minutes: fold=false, or the CLI
VERSION_LENGTH = 40  # the width of Assessment.engine_version

Result = tuple[dict[str, Any], str]  # the result dict and its one-line summary
Check = Callable[[Any, str], Any]


# --- option checks: each turns a given value (JSON or form text) into a stored value ----


@dataclass(frozen=True)
class Choice:
    """An option that takes one of a few values."""

    allowed: tuple[str, ...]

    def __call__(self, value: Any, name: str) -> str:
        if value not in self.allowed:
            raise InvalidInput(
                f"{name}: {value!r} is not one of {', '.join(self.allowed)}", field=name
            )
        return str(value)


def _choice(*allowed: str) -> Choice:
    return Choice(tuple(allowed))


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise InvalidInput(f"{name}: {value!r} is not true or false", field=name)


def _number(low: float, high: float) -> Check:
    def check(value: Any, name: str) -> float:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{name}: {value!r} is not a number", field=name) from None
        if not low <= number <= high:
            raise InvalidInput(f"{name}: {value!r} is outside {low:g}-{high:g}", field=name)
        return number

    return check


# --- the engines ------------------------------------------------------------------------


def _refused(error: Exception, name: str) -> InvalidInput:
    problems = getattr(error, "problems", None) or [str(error)]
    return InvalidInput(f"{name}: {'; '.join(problems[:20])}", field=name)


def _molecule(definition: dict[str, Any], options: dict[str, Any]) -> Result:
    from opencmc.science.design import molecule

    try:
        p = molecule.profile(
            definition["smiles"],
            name=definition["name"],
            canonical_tautomer=options["canonical_tautomer"],
        )
    except molecule.MoleculeInputError as error:
        raise _refused(error, "smiles") from None
    d = p.descriptors
    sa = f"{p.sa_score:.2f}" if p.sa_score is not None else "not available"
    summary = (
        f"parent {p.parent_smiles}: MW {d.molecular_weight:.1f}, cLogP {d.clogp:.2f}, "
        f"QED {p.qed:.2f}, SA {sa}, ESOL log S {p.esol_log_s:.2f} "
        f"({p.esol.solubility_class}); {len(p.alerts)} alerts; risk score {p.risk_score}"
    )
    return p.to_dict(), summary


def _antibody(definition: dict[str, Any], options: dict[str, Any]) -> Result:
    from opencmc.science.design import antibody
    from opencmc.science.design.antibody_input import AntibodyInputError

    try:
        p = antibody.profile(
            definition["heavy_chain"],
            definition.get("light_chain"),
            name=definition["name"],
            formulation_ph=options["formulation_ph"],
        )
    except AntibodyInputError as error:
        raise _refused(error, "heavy_chain") from None
    result = p.to_dict()
    counts = result["liability_counts"]
    flags = list(p.flags.values())
    summary = (
        f"{p.kind}: pI {p.pi:.2f}; liabilities {counts['high']} high, {counts['medium']} "
        f"medium; flags {flags.count('red')} red, {flags.count('amber')} amber"
    )
    return result, summary


def _mrna(definition: dict[str, Any], options: dict[str, Any]) -> Result:
    from opencmc.science.design import mrna
    from opencmc.science.design.sequences import SequenceError

    sequence = definition["nucleotide_sequence"]
    if options["fold"] and len(sequence) > MAX_FOLD_NT:
        raise InvalidInput(
            f"options.fold: folding {len(sequence)} nt is over the {MAX_FOLD_NT} nt folded here; "
            "run with fold false, or `opencmc design mrna profile` for the structure",
            field="options.fold",
        )
    try:
        p = mrna.profile(sequence, options["host"], fold=options["fold"], cap=options["cap"])
    except (SequenceError, ValueError) as error:
        raise _refused(error, "nucleotide_sequence") from None
    mfe = f"; MFE {p.mfe:.1f} kcal/mol" if p.mfe is not None else ""
    summary = (
        f"{p.length} nt, CDS {p.cds_length} nt ({len(p.protein)} aa): CAI {p.cai:.3f} "
        f"({p.host}), GC {p.gc:.3f}, U {p.uridine:.3f}{mfe}; Kozak {p.kozak}"
    )
    return p.to_dict(), summary


def _vector(definition: dict[str, Any], options: dict[str, Any]) -> Result:
    from opencmc.science.design import vector

    try:
        r = vector.check(
            definition["nucleotide_sequence"],
            kind=options["kind"],
            genome=options["genome"],
            circular=options["topology"] == "circular",
        )
    except (vector.ConstructInputError, ValueError) as error:
        raise _refused(error, "nucleotide_sequence") from None
    result = r.to_dict()
    counts = result["counts"]
    genome = f", {r.genome}AAV genome {r.region[0]}-{r.region[1]}" if r.genome else ""
    summary = (
        f"{r.kind} of {r.length} bp ({result['topology']}{genome}): highest level "
        f"{r.highest_level}; {counts['high']} high, {counts['medium']} medium, "
        f"{counts['low']} low findings"
    )
    return result, summary


def _protein(definition: dict[str, Any], options: dict[str, Any]) -> Result:
    from opencmc.science.design.protein_properties import properties

    p = properties(definition["protein_sequence"])
    summary = (
        f"{p.length} aa: MW {p.molecular_weight / 1000:.2f} kDa, pI {p.pi:.2f}, charge at "
        f"pH 7.4 {p.net_charge_7_4:+.1f}, ε280 {p.extinction_280} M⁻¹cm⁻¹, GRAVY {p.gravy:.3f}"
    )
    return p.to_dict(), summary


@dataclass(frozen=True)
class Engine:
    """An engine a candidate can be assessed with."""

    name: str
    title: str
    kinds: tuple[str, ...]  # the candidate definition kinds it runs on
    run: Callable[[dict[str, Any], dict[str, Any]], Result]
    library: str  # the distribution whose version decides the numbers, besides OpenCMC
    options: dict[str, tuple[Any, Check]] = field(default_factory=dict)  # name: (default, check)
    description: str = ""

    @property
    def version(self) -> str:
        try:
            library = f"{self.library} {metadata.version(self.library)}"
        except metadata.PackageNotFoundError:
            library = f"{self.library} missing"
        return f"opencmc {__version__}; {library}"[:VERSION_LENGTH]

    def check_options(self, given: dict[str, Any] | None) -> dict[str, Any]:
        """Every option with its value: the given one checked, the others their default."""
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.options))
        if unknown:
            known = ", ".join(self.options) or "none"
            raise InvalidInput(
                f"options.{unknown[0]}: not an option of {self.name} (its options: {known})",
                field=f"options.{unknown[0]}",
            )
        return {
            name: check(given[name], f"options.{name}") if name in given else default
            for name, (default, check) in self.options.items()
        }

    def option_fields(self) -> list[dict[str, Any]]:
        """Each option's name, default and, for a choice or a yes/no, the values it takes."""
        fields = []
        for name, (default, check) in self.options.items():
            choices: list[Any] | None = None
            if isinstance(check, Choice):
                choices = list(check.allowed)
            elif isinstance(default, bool):
                choices = [True, False]
            fields.append({"name": name, "default": default, "choices": choices})
        return fields

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "definition_kinds": list(self.kinds),
            "version": self.version,
            "options": self.option_fields(),
            "description": self.description,
        }


ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        Engine(
            "molecule.profile",
            "Small-molecule developability",
            ("smiles",),
            _molecule,
            "rdkit",
            {"canonical_tautomer": (True, _boolean)},
            "Parent, descriptors, rule sets, QED, SA score, ESOL and structural alerts.",
        ),
        Engine(
            "antibody.developability",
            "Antibody developability",
            ("antibody_chains",),
            _antibody,
            "anarci",
            {"formulation_ph": (5.5, _number(2, 10))},
            "CDRs, germline, liabilities, charge and hydrophobicity flags.",
        ),
        Engine(
            "mrna.metrics",
            "mRNA metrics",
            ("nucleotide_sequence",),
            _mrna,
            "viennarna",
            {
                "host": ("human", _choice(*HOSTS)),
                "fold": (True, _boolean),
                "cap": ("cap1", _choice("none", "cap0", "cap1")),
            },
            "CAI, GC and uridine, minimum free energy, start region, motifs and mass.",
        ),
        Engine(
            "vector.check",
            "Vector manufacturability",
            ("nucleotide_sequence",),
            _vector,
            "biopython",
            {
                "kind": ("auto", _choice("auto", "aav", "lenti", "plasmid")),
                "genome": ("auto", _choice("auto", "ss", "sc")),
                "topology": ("circular", _choice("circular", "linear")),
            },
            "ITRs and packaging, GC, homopolymers, repeats, CpG, sites, ORFs and Kozak.",
        ),
        Engine(
            "protein.properties",
            "Protein properties",
            ("protein_sequence",),
            _protein,
            "biopython",
            {},
            "Molecular weight, pI, charge, extinction coefficient and GRAVY.",
        ),
    )
}


def engine_named(name: str) -> Engine:
    engine = ENGINES.get(name)
    if engine is None:
        raise InvalidInput(
            f"engine: no engine {name!r}; one of {', '.join(ENGINES)}", field="engine"
        )
    return engine


def json_safe(value: Any) -> Any:
    """Plain JSON values, exactly as the database gives them back (NaN and ∞ become null)."""

    def plain(item: Any) -> Any:
        if isinstance(item, dict):
            return {str(k): plain(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [plain(v) for v in item]
        if hasattr(item, "item") and callable(item.item):  # numpy scalars
            item = item.item()
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if item is None or isinstance(item, (str, int, float)):
            return item
        raise TypeError(f"an assessment cannot store {type(item).__name__}")

    return json.loads(json.dumps(plain(value), allow_nan=False))
