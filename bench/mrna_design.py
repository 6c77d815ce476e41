"""Benchmark: mRNA codon optimisation of the SARS-CoV-2 spike (2P), OpenCMC against DNA Chisel.

Both design the coding sequence of the 1,273-aa spike protein in
``../shared/reference-cases/mrna/`` for the human host under the same hard constraints: GC
30-70 % in every 50-nt window and no homopolymer of 6 or more. DNA Chisel
(``CodonOptimize(method="use_best_codon")``, the usual codon optimisation, which has no
folding objective) and OpenCMC (:func:`opencmc.science.design.mrna.optimise`, a front from
the CAI-only design to stability-weighted designs) run in this process on the same protein;
CAI (Kazusa human table, Sharp and Li) and the MFE of the coding sequence (stop included,
ViennaRNA full fold at 37 °C) of every design are computed here with the same functions,
beside the licensed vaccines' figures from ``answers.json``.

Target: a design with CAI >= 0.90 and CDS MFE <= -1,700 kcal/mol in under 5 minutes on 2
cores.

    python bench/mrna_design.py [--workers 2] [--max-aa N] [--weights 12,6,3,1.5,0.75]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from opencmc.science.design import mrna
from opencmc.science.design.folding import mfe
from opencmc.science.design.sequences import read_fasta

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "reference-cases" / "mrna"
TARGET_CAI, TARGET_MFE, TARGET_SECONDS = 0.90, -1700.0, 300.0


def dnachisel_design(protein: str) -> tuple[str, float]:
    """DNA Chisel's codon optimisation under the same constraints; (CDS, seconds)."""
    from dnachisel import (
        AvoidPattern,
        CodonOptimize,
        DnaOptimizationProblem,
        EnforceGCContent,
        EnforceTranslation,
    )
    from dnachisel.biotools import reverse_translate

    np.random.seed(0)  # DNA Chisel's searches draw from numpy's global generator
    t0 = time.perf_counter()
    problem = DnaOptimizationProblem(
        sequence=reverse_translate(protein + "*"),
        constraints=[
            EnforceTranslation(),
            EnforceGCContent(mini=0.30, maxi=0.70, window=50),
            *[AvoidPattern(f"6x{base}") for base in "ACGT"],
        ],
        objectives=[CodonOptimize(species="h_sapiens", method="use_best_codon")],
        logger=None,
    )
    problem.resolve_constraints()
    problem.optimize()
    if not problem.all_constraints_pass():
        raise SystemExit("DNA Chisel did not satisfy the constraints")
    return problem.sequence, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protein", type=Path, default=CASE / "spike_2p_protein.fasta")
    parser.add_argument("--answers", type=Path, default=CASE / "answers.json")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-aa", type=int, default=None, help="Use only the first N residues.")
    parser.add_argument(
        "--weights",
        default=None,
        help="CAI weights of the front (kcal/mol per nat), e.g. 12,6,3,1.5,0.75.",
    )
    parser.add_argument("--cai-weight", type=float, default=mrna.DEFAULT_CAI_WEIGHT)
    args = parser.parse_args()

    protein = read_fasta(args.protein.read_text())[0].sequence.rstrip("*")
    if args.max_aa:
        protein = protein[: args.max_aa]
    weights = [float(w) for w in args.weights.split(",")] if args.weights else None
    constraints = mrna.Constraints(gc_min=0.30, gc_max=0.70, gc_window=50, max_homopolymer=5)
    print(f"protein: {args.protein.name}, {len(protein)} aa; human host; GC 30-70 % in 50-nt")
    print(f"windows; no homopolymer of 6 or more; {args.workers} worker processes\n")

    t0 = time.perf_counter()
    result = mrna.optimise(
        protein,
        "human",
        constraints=constraints,
        weights=weights,
        cai_weight=args.cai_weight,
        workers=args.workers,
    )
    ours_s = time.perf_counter() - t0

    chisel_cds, chisel_s = dnachisel_design(protein)
    t1 = time.perf_counter()
    chisel_fold = mfe(chisel_cds)
    chisel_fold_s = time.perf_counter() - t1
    chisel_cai = mrna.cai(chisel_cds, "human")
    chisel_gc = sum(c in "GC" for c in chisel_cds) / len(chisel_cds)
    # Same translation and constraints for the peer's design, checked with our checker.
    checker = mrna.ConstraintChecker(constraints)
    assert mrna.translate(chisel_cds).rstrip("*") == protein
    assert not checker.violations(chisel_cds), "DNA Chisel design breaks a constraint"

    print(f"{'design':<34} {'CAI':>6} {'GC':>6} {'CDS MFE':>9} {'seconds':>8}")
    print(
        f"{'DNA Chisel use_best_codon':<34} {chisel_cai:6.3f} {chisel_gc:6.3f} "
        f"{chisel_fold.energy:9.1f} {chisel_s:8.1f}  (+{chisel_fold_s:.1f} s to fold)"
    )
    for d in result.front:
        mark = " (chosen)" if d is result.chosen else ""
        label = f"OpenCMC {d.label}{mark}"
        print(
            f"{label:<34} {d.cai:6.3f} {d.gc:6.3f} {d.mfe:9.1f} "
            f"{d.search_seconds + d.fold_seconds:8.1f}" + ("" if d.pareto else "  dominated")
        )
    if args.answers.exists() and not args.max_aa:
        answers = json.loads(args.answers.read_text())
        for name, fig in answers["published_coding_sequences_computed_here"].items():
            label = f"licensed {name} (answers.json)"
            print(
                f"{label:<34} {fig['cai']:6.3f} {fig['gc']:6.3f} {fig['cds_mfe_kcal_per_mol']:9.1f}"
            )
    print(f"\nOpenCMC total (search + full folds of {len(result.front)} designs): {ours_s:.1f} s")

    best = result.chosen
    cai_only = result.cai_only
    print("\nfront: MFE gained over the CAI-only design as CAI is traded away")
    for d in result.front:
        print(
            f"  CAI {d.cai:.3f} ({d.cai - cai_only.cai:+.3f})  MFE {d.mfe:9.1f} "
            f"({d.mfe - cai_only.mfe:+8.1f})  {d.changed_codons} codons changed"
        )
    print(
        f"\nratio MFE OpenCMC chosen / DNA Chisel: {best.mfe / chisel_fold.energy:.3f} "
        f"({best.mfe - chisel_fold.energy:+.1f} kcal/mol); CAI {best.cai:.3f} vs {chisel_cai:.3f}"
    )
    print(
        f"ratio time OpenCMC / DNA Chisel: {ours_s / chisel_s:.1f} "
        f"({ours_s:.1f} s for {len(result.front)} designs with full folds vs {chisel_s:.1f} s "
        "for one design without folding)"
    )
    if not args.max_aa:
        met = best.cai >= TARGET_CAI and best.mfe <= TARGET_MFE and ours_s <= TARGET_SECONDS
        print(
            f"target (CAI >= {TARGET_CAI}, MFE <= {TARGET_MFE:.0f}, <= {TARGET_SECONDS:.0f} s): "
            + ("met" if met else "NOT met")
        )


if __name__ == "__main__":
    main()
