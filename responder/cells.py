"""Spreadsheet cells from text people wrote: what Excel would run as a formula is not."""

FORMULA = ("=", "+", "-", "@", "\t", "\r")  # cells Excel would run as formulas


def safe_cells(cells: tuple[str, ...]) -> list[str]:
    """Cells as text: one starting like a formula gets a leading quote (Excel runs them)."""
    return ["'" + c if c.startswith(FORMULA) else c for c in cells]
