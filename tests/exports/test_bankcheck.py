"""Bank detail checks, and the modulus library checked against Vocalink's own published test cases.

The 34 cases are the "test cases" table of Vocalink's "Validating account numbers" specification
(the same table, with the same numbering, appears in the test suites of independent implementations
in several languages). ``uk-mod-check`` 1.0.1 agrees with all 34; if a future version disagrees, this
test fails and names the case.
"""

from __future__ import annotations

import pytest

from ledger.exports.bankcheck import Modulus, normalise_account_number, normalise_sort_code, validate_uk_bank

# (number in the published table, description, sort code, account number, expected "could be valid")
VOCALINK_CASES: list[tuple[int, str, str, str, bool]] = [
    (1, "Pass modulus 10 check", "089999", "66374958", True),
    (2, "Pass modulus 11 check", "107999", "88837491", True),
    (3, "Pass modulus 11 and double alternate checks", "202959", "63748472", True),
    (4, "Exception 10 & 11 where first check passes and second check fails", "871427", "46238510", True),
    (5, "Exception 10 & 11 where first check fails and second check passes", "872427", "46238510", True),
    (6, "Exception 10 where ab=09 and g=9; first check passes, second fails", "871427", "09123496", True),
    (7, "Exception 10 where ab=99 and g=9; first check passes, second fails", "871427", "99123496", True),
    (8, "Exception 3, start of range, c=6 so second check ignored", "820000", "73688637", True),
    (9, "Exception 3, end of range, c=9 so second check ignored", "827999", "73988638", True),
    (10, "Exception 3, c is not 6 or 9, both checks pass", "827101", "28748352", True),
    (11, "Exception 4 where the remainder equals the check digit", "134020", "63849203", True),
    (12, "Exception 1, 27 added to the total, passes double alternate", "118765", "64371389", True),
    (13, "Exception 6, fails standard check but is a foreign currency account", "200915", "41011166", True),
    (14, "Exception 5 where the check passes", "938611", "07806039", True),
    (15, "Exception 5 where the check passes with substitution", "938600", "42368003", True),
    (16, "Exception 5 where both checks produce a remainder of 0 and pass", "938063", "55065200", True),
    (17, "Exception 7 where passes but would fail the standard check", "772798", "99345694", True),
    (18, "Exception 8 where the check passes", "086090", "06774744", True),
    (19, "Exception 2 & 9 where the first check passes and second check fails", "309070", "02355688", True),
    (20, "Exception 2 & 9, first fails, second passes with substitution", "309070", "12345668", True),
    (21, "Exception 2 & 9 where a!=0 and g!=9 and passes", "309070", "12345677", True),
    (22, "Exception 2 & 9 where a!=0 and g=9 and passes", "309070", "99345694", True),
    (23, "Exception 5, first check digit correct, second incorrect", "938063", "15764273", False),
    (24, "Exception 5, first check digit incorrect, second correct", "938063", "15764264", False),
    (25, "Exception 5, first check digit incorrect with a remainder of 1", "938063", "15763217", False),
    (26, "Exception 1 where it fails double alternate check", "118765", "64371388", False),
    (27, "Pass modulus 11 check and fail double alternate check", "203099", "66831036", False),
    (28, "Fail modulus 11 check and pass double alternate check", "203099", "58716970", False),
    (29, "Fail modulus 10 check", "089999", "66374959", False),
    (30, "Fail modulus 11 check", "107999", "88837493", False),
    (31, "Exception 12/13, passes modulus 11 (modulus 10 would fail)", "074456", "12345112", True),
    (32, "Exception 12/13, passes modulus 11 (modulus 10 passes too)", "070116", "34012583", True),
    (33, "Exception 12/13, fails modulus 11 but passes modulus 10", "074456", "11104102", True),
    (34, "Exception 14 where the first check fails and the second check passes", "180002", "00000190", True),
]


def test_the_published_table_is_complete() -> None:
    assert [case[0] for case in VOCALINK_CASES] == list(range(1, 35))
    assert sum(1 for case in VOCALINK_CASES if not case[4]) == 8


@pytest.mark.parametrize(
    ("number", "description", "sort_code", "account", "expected"),
    VOCALINK_CASES,
    ids=[f"vocalink-{case[0]:02d}" for case in VOCALINK_CASES],
)
def test_published_vocalink_case(number: int, description: str, sort_code: str, account: str, expected: bool) -> None:
    result = validate_uk_bank(sort_code, account)
    assert result.format_ok
    assert result.modulus is (Modulus.PASSED if expected else Modulus.FAILED), f"case {number}: {description}"
    assert result.could_be_valid is expected


def test_dashes_and_spaces_are_accepted_and_removed() -> None:
    result = validate_uk_bank("08-99-99", "6637 4958")
    assert (result.sort_code, result.account_number) == ("089999", "66374958")
    assert result.display_sort_code == "08-99-99"
    assert result.modulus is Modulus.PASSED
    assert "does not prove" in result.message


@pytest.mark.parametrize(
    ("sort_code", "account", "field", "words"),
    [
        (None, "66374958", "sort_code", "missing"),
        ("", "66374958", "sort_code", "missing"),
        ("08999", "66374958", "sort_code", "6 digits"),
        ("0899999", "66374958", "sort_code", "6 digits"),
        ("08a999", "66374958", "sort_code", "6 digits"),
        ("٠٨٩٩٩٩", "66374958", "sort_code", "6 digits"),  # Arabic-Indic digits are not 0-9
        ("089999", None, "account_number", "missing"),
        ("089999", "6637495", "account_number", "8 digits"),
        ("089999", "663749581", "account_number", "8 digits"),
        ("089999", "6637495O", "account_number", "8 digits"),
    ],
)
def test_bad_formats_are_named_and_not_checked(sort_code: str | None, account: str | None, field: str,
                                               words: str) -> None:
    result = validate_uk_bank(sort_code, account)
    assert not result.format_ok
    assert not result.could_be_valid
    assert result.modulus is Modulus.NOT_RUN
    assert [p.field for p in result.problems] == [field]
    assert words in result.problems[0].message
    assert words in result.message


def test_both_fields_wrong_names_both() -> None:
    result = validate_uk_bank("12", "34")
    assert [p.field for p in result.problems] == ["sort_code", "account_number"]


def test_sort_code_missing_from_tables_is_not_checkable_but_could_be_valid() -> None:
    # 010003 is below the first range in the weight table, so no modulus rule applies to it.
    result = validate_uk_bank("010003", "12345678")
    assert result.modulus is Modulus.NOT_CHECKABLE
    assert result.could_be_valid
    assert "could not be checked" in result.message


def test_failed_modulus_names_the_account_number() -> None:
    result = validate_uk_bank("089999", "66374959")
    assert result.modulus is Modulus.FAILED
    assert [p.field for p in result.problems] == ["account_number"]
    assert "cannot be valid" in result.message


def test_normalisers() -> None:
    assert normalise_sort_code(" 12 34-56 ") == "123456"
    assert normalise_sort_code("12.34.56") is None
    assert normalise_account_number("1234-5678") == "12345678"
    assert normalise_account_number(None) is None


def test_exception_8_substitution_gives_the_same_sum_for_the_bundled_weights() -> None:
    """uk-mod-check does not substitute 090126 for 086090 (Vocalink exception 8); docs/finance.md says
    this cannot change a result because both sort codes give the same weighted sum. Check that claim
    against the weights the package actually ships."""
    import uk_mod_check

    rules = uk_mod_check.mod_rules.find_rule(86090)
    assert [rule.exception for rule in rules] == [8]
    w = rules[0].weights
    weights = (w.u, w.v, w.w, w.x, w.y, w.z)

    def weighted(sort_code: str) -> int:
        return sum(int(d) * k for d, k in zip(sort_code, weights, strict=True))

    assert weighted("086090") % 10 == weighted("090126") % 10
    assert rules[0].mod_mode is uk_mod_check.data_parser.ModMode.Mod10
