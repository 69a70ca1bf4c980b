"""The upload error points to what the page offers (no --mapping option on the web form)."""

from __future__ import annotations


def test_unrecognised_columns_error_does_not_offer_a_missing_option(client):
    r = client.post("/api/uploads", files={"files": ("odd.csv", b"foo,bar\n1,2\n", "text/csv")})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "no analyte columns" in detail and "(--mapping)" not in detail
    assert "rename them in the file" in detail
