"""Every bad input of the catalogue raises its error with a message that names the fix."""

from __future__ import annotations

import pytest

from tests.bad_inputs import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[f"{c.area}: {c.what}" for c in CASES])
def test_bad_input(case: Case):
    with pytest.raises(case.error, match=case.match):
        case.call()
