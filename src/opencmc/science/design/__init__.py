"""Candidate optimisation engines: antibody/protein, nucleic acid, small molecule, vector."""
