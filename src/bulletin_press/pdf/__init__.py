"""Finishing and checking the PDF: output profiles, reading order, page signatures, the text check."""
