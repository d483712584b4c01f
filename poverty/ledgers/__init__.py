"""Excel ledgers (台账): the kinds registry, the export and import services, their jobs and pages.

The ledgers themselves (columns and rows) live in each app's ``ledgers`` module; the writer
and reader in poverty/xlsx.py. See docs/ledgers.md.
"""
