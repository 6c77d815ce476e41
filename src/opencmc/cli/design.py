"""`opencmc design ...`: candidate optimisation engines on sequence and structure files."""

from __future__ import annotations

import typer

from opencmc.cli import antibody, rna, smallmol, vector

app = typer.Typer(
    help="Candidate design and developability: antibodies and proteins, mRNA, siRNA and "
    "antisense oligonucleotides, small molecules, viral vectors and plasmids.",
    no_args_is_help=True,
)
app.add_typer(rna.mrna_app, name="mrna")
app.command("sirna")(rna.sirna_command)
app.command("aso")(rna.aso_command)
app.add_typer(antibody.app, name="antibody")
app.add_typer(smallmol.app, name="molecule")
app.add_typer(vector.app, name="vector")
