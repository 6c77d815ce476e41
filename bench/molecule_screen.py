"""Benchmark: profile 200,000 drug-like SMILES end to end, OpenCMC's screen against a loop.

The molecules are generated, deterministically, from the NCI and WEHI sets that RDKit's
own wheel ships (``rdkit/Data``): each drug-like seed (MW 150-450, no metal) is decorated
at its aromatic CH positions with common medicinal-chemistry substituents (F, Cl, CH3,
OCH3, CF3, CN, OH, NH2, CONH2, SO2CH3) until 200,000 distinct SMILES are reached.

OpenCMC's side is :func:`opencmc.science.design.smallmol_screen.screen`: streamed reading,
chunks sent to one worker process per core, results written in order as JSON Lines. The
peer is the straightforward single-process loop a chemist would write: read each line,
call ``profile()``, write its summary row; it runs in this process on ``--loop-n``
molecules spread evenly over the same file (every one with ``--loop-n 0``) and its rate is
measured there. The rows of both must be identical. Peak memory is sampled every 0.2 s
as the summed PSS (proportional set size: shared pages split between processes) of this
process and all its children.

    python bench/molecule_screen.py [--n 200000] [--loop-n 20000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rdkit import Chem, RDConfig, RDLogger
from rdkit.Chem import Descriptors

from opencmc.science.design.smallmol_input import iter_smiles_lines
from opencmc.science.design.smallmol_screen import profile_raw, screen

SUBSTITUENTS = ("F", "Cl", "C", "OC", "C(F)(F)F", "C#N", "O", "N", "C(N)=O", "S(C)(=O)=O")
_METALS = {3, 11, 12, 13, 19, 20, 26, 29, 30, 47, 50, 78, 79, 80}


def seeds() -> list[Chem.Mol]:
    """Drug-like seed molecules from the SMILES sets shipped inside RDKit's wheel."""
    data = Path(RDConfig.RDDataDir)
    texts: list[str] = []
    for line in (data / "NCI" / "first_5K.smi").read_text().splitlines():
        if line.strip():
            texts.append(line.split()[0])
    for line in (data / "Pains" / "test_data" / "wehi_mols.csv").read_text().splitlines():
        if line.strip():
            texts.append(line.split(",")[0].strip('"'))
    out = []
    for text in texts:
        mol = Chem.MolFromSmiles(text)
        if mol is None or len(Chem.GetMolFrags(mol)) != 1:
            continue
        if any(a.GetAtomicNum() in _METALS for a in mol.GetAtoms()):
            continue
        if 150 <= Descriptors.MolWt(mol) <= 450:
            out.append(mol)
    return out


def generate(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct drug-like SMILES: the seeds, then seeds decorated at aromatic CH."""
    RDLogger.DisableLog("rdApp.*")
    rng = random.Random(seed)
    base = seeds()
    rng.shuffle(base)
    subs = [Chem.MolFromSmiles(s) for s in SUBSTITUENTS]
    seen: set[str] = set()
    out: list[str] = []
    for mol in base:
        smiles = Chem.MolToSmiles(mol)
        if smiles not in seen:
            seen.add(smiles)
            out.append(smiles)
    rounds = 0
    while len(out) < n and rounds < 50:
        rounds += 1
        for mol in base:
            sites = [
                a.GetIdx()
                for a in mol.GetAtoms()
                if a.GetIsAromatic() and a.GetSymbol() == "C" and a.GetTotalNumHs() > 0
            ]
            if not sites:
                continue
            editable = Chem.RWMol(mol)
            for site in rng.sample(sites, k=min(len(sites), rng.choice((1, 1, 2)))):
                sub = rng.choice(subs)
                offset = editable.GetNumAtoms()
                for atom in sub.GetAtoms():
                    editable.AddAtom(Chem.Atom(atom.GetAtomicNum()))
                for bond in sub.GetBonds():
                    editable.AddBond(
                        bond.GetBeginAtomIdx() + offset,
                        bond.GetEndAtomIdx() + offset,
                        bond.GetBondType(),
                    )
                editable.AddBond(site, offset, Chem.BondType.SINGLE)
                editable.GetAtomWithIdx(site).SetNumExplicitHs(0)
            try:
                new = editable.GetMol()
                Chem.SanitizeMol(new)
            except Exception:
                continue
            if Descriptors.MolWt(new) > 600:
                continue
            smiles = Chem.MolToSmiles(new)
            if smiles not in seen:
                seen.add(smiles)
                out.append(smiles)
                if len(out) >= n:
                    break
    RDLogger.EnableLog("rdApp.*")
    return out[:n]


class PeakMemory:
    """Sample the summed PSS (fallback RSS) of this process and its descendants, and the
    CPU time each of them has used (the last sample of a process that exits is kept)."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self.cpu_seconds: dict[int, float] = {}
        self._start_cpu: dict[int, float] = {}
        self._started = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _descendants(pid: int) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
        found, frontier = [pid], [pid]
        while frontier:
            current = frontier.pop()
            children = [p for p, pp in parents.items() if pp == current]
            found.extend(children)
            frontier.extend(children)
        return found

    @staticmethod
    def _memory(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    @staticmethod
    def _cpu(pid: int) -> float | None:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def sample(self) -> None:
        pids = self._descendants(os.getpid())
        total = sum(self._memory(p) for p in pids)
        self.peak_bytes = max(self.peak_bytes, total)
        for pid in pids:
            cpu = self._cpu(pid)
            if cpu is not None:
                # A process first seen after the start began during the run: count from 0.
                self._start_cpu.setdefault(pid, cpu if not self._started else 0.0)
                self.cpu_seconds[pid] = cpu - self._start_cpu[pid]

    @property
    def total_cpu_seconds(self) -> float:
        """CPU used by this process and its descendants while sampled (for a process that
        started during sampling, from its start: up to one interval is missed at its end)."""
        return sum(self.cpu_seconds.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.sample()
        self._started = True
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 2**20


def loop(path: Path, out: Path, stride: int) -> tuple[int, float]:
    """The peer: one process, one molecule at a time, the same profile and row.

    It profiles every ``stride``-th molecule, so that its sample spans the whole file:
    the generated molecules grow along it (more substituents), and a loop over the first
    ones alone would be timed on the lightest.
    """
    start = time.perf_counter()
    done = 0
    with path.open() as source, out.open("w") as sink:
        for index, raw in enumerate(iter_smiles_lines(source)):
            if index % stride:
                continue
            sink.write(json.dumps(profile_raw(raw), separators=(",", ":")) + "\n")
            done += 1
    return done, time.perf_counter() - start


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="molecules to screen")
    parser.add_argument(
        "--loop-n",
        type=int,
        default=20_000,
        help="molecules for the loop, spread evenly over the file (0: all)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write-smiles", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.write_smiles is not None:  # the generator, run in its own process
        smiles = generate(args.n, args.seed)
        args.write_smiles.write_text("".join(f"{s} mol{i + 1}\n" for i, s in enumerate(smiles)))
        return

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "molecules.smi"
        # Generated in a child process, so that this process's memory is the screen's alone.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--write-smiles",
                str(source),
                "--n",
                str(args.n),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
        with source.open() as handle:
            count = sum(1 for _ in handle)
        print(f"generated {count} drug-like SMILES in {time.perf_counter() - started:.1f} s")

        with PeakMemory() as screen_memory:
            summary = screen(
                source, folder / "screen.jsonl", workers=args.workers, chunk_size=args.chunk_size
            )
        fast_rate = summary.molecules_per_second

        with PeakMemory() as loop_memory:
            cpu = time.process_time()
            stride = max(1, count // args.loop_n) if args.loop_n else 1
            n_loop, loop_s = loop(source, folder / "loop.jsonl", stride)
            loop_cpu = time.process_time() - cpu
        loop_rate = n_loop / loop_s

        with (folder / "screen.jsonl").open() as a, (folder / "loop.jsonl").open() as b:
            sampled = (row for index, row in enumerate(a) if index % stride == 0)
            mismatches = sum(1 for x, y in zip(sampled, b, strict=False) if x != y)

    screen_cpu_ms = 1000 * screen_memory.total_cpu_seconds / summary.records
    print(
        f"screen  : {summary.records} molecules ({summary.errors} unreadable) in "
        f"{summary.seconds:.1f} s on {summary.workers} workers = {fast_rate:.0f} molecules/s "
        f"({screen_cpu_ms:.1f} ms CPU per molecule, main + workers), "
        f"peak memory {screen_memory.peak_mb:.0f} MB (PSS, main + workers)"
    )
    print(
        f"loop    : {n_loop} molecules in {loop_s:.1f} s in one process = {loop_rate:.0f} "
        f"molecules/s ({1000 * loop_cpu / n_loop:.1f} ms CPU per molecule), "
        f"peak memory {loop_memory.peak_mb:.0f} MB"
    )
    print(f"rows identical on the {n_loop} molecules both profiled: {mismatches == 0}")
    print(
        f"ratio (screen / loop, molecules per second): {fast_rate / loop_rate:.2f}x "
        f"on {summary.workers} workers (target >= 1.7x on 2 cores; peak < 1024 MB)"
    )
    print(
        f"CPU cost per molecule, screen / loop: {screen_cpu_ms / (1000 * loop_cpu / n_loop):.2f} "
        "(1.00 = no parallel overhead)"
    )
    print(f"load average at the end (other work on this machine): {load()}")
    print(
        f"in flight at most {2 * summary.workers} chunks x {args.chunk_size} records, "
        "whatever the input size"
    )


if __name__ == "__main__":
    main()
