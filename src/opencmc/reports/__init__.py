"""Rendering records and results: PDF, DOCX, plots."""
