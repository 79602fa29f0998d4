"""Exports for paper and for the town: notice-board tables of disclosures (.xlsx and
printable HTML) and masked subsidy payment lists (.xlsx).

Plain functions the CLI and the app call: ``notice.export_disclosures`` and
``payments.export_payments``. The legacy import's reject report lives with the
import (``client.legacy.report``).
"""
