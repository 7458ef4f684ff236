"""An EU DSA member-states orders table, damaged: a TOTAL row whose orders to provide information
are below zero or no number is that row's skip, with its reason, and never a figure; the file's
other TOTAL rows import (a damaged category row beside one stops nothing). A record that ends
before the column is the file's own way of giving no figure (tests/test_dsa_youtube_member_states.py).
"""

from __future__ import annotations

from disclosures.importers import dsa
from tests._importer_files import parsed_under_stored_header

TOTAL = "All,Snap,2025-07-01/2025-12-31,TOTAL,,{scope},2,4,0,15,{value},0,202,,,,,,,"


def test_a_damaged_total_row_is_its_own_skip(tmp_path):
    rows = [
        TOTAL.format(scope="DE", value="-12"),
        TOTAL.format(scope="FR", value="n/a"),
        TOTAL.format(scope="IT", value="7"),
        "All,Snap,2025-07-01/2025-12-31,STATEMENT_CATEGORY_SCAMS_AND_FRAUD,,IT,0,0,0,0,-9,0,0,,,,,,,",
    ]
    parsed = parsed_under_stored_header(dsa.parse_member_state_orders, tmp_path, "3_member_states_orders.csv", rows)
    assert [(r.jurisdiction_id, r.value) for r in parsed.records] == [("ITA", "7")]
    assert [(s.source_locator, s.reason) for s in parsed.skips[:2]] == [
        (
            "3_member_states_orders.csv line 2 (Service=Snap, Category=TOTAL, Scope=DE)",
            "'Number of orders to provide information': '-12' is below zero: a count or percentage never is, "
            "so the row is damaged",
        ),
        (
            "3_member_states_orders.csv line 3 (Service=Snap, Category=TOTAL, Scope=FR)",
            "'Number of orders to provide information': not a number: 'n/a'",
        ),
    ]
