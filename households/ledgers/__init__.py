"""Household ledgers: exports (花名册, 人口明细, 收入测算表, 一户一档, data package) and imports.

Importing this package registers the household ledger kinds with poverty.ledgers.base.
"""

from households.ledgers import (  # noqa: F401  (registers the kinds)
    exports,
    household_file,
    imports,  # noqa: E402, F401
)
