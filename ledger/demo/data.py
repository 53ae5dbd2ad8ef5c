"""The demo's people and projects: realistic, fixed, and covering every payment choice.

Bank details are the published Vocalink modulus-check test numbers, so they pass the same checks a
real bank file would, without being anybody's real account.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoProject:
    code: str
    name: str
    rate_card: str
    budget: str
    cost_code: str


@dataclass(frozen=True)
class DemoParticipant:
    name: str
    preference: str
    style: str = "standard"
    preferred_name: str | None = None
    bank: tuple[str, str] | None = None  # (sort code, account number)
    organisation: tuple[str, str | None] | None = None
    watch_limits: tuple[str, ...] = ()  # named limits (ledger/rates/limits): the amount in force on each date
    projects: tuple[int, ...] = field(default=(0,))


PROJECTS = (
    DemoProject("STROKE-PAG", "Stroke rehabilitation research advisory group", "nihr-style", "6000.00", "RD-4410"),
    DemoProject("MH-REDESIGN", "Community mental health service redesign", "nihr-style", "9000.00", "OPS-2207"),
    DemoProject("EASY-INFO", "Easy Read appointment letters co-design", "day-rate-example", "4000.00", "COM-118"),
)

ESA = "esa_permitted_work"
CARERS = "carers_allowance"
TRADING = "trading_allowance"

PARTICIPANTS = (
    DemoParticipant("Margaret Ellis", "bank_transfer", preferred_name="Maggie", bank=("089999", "66374958"),
                    watch_limits=(TRADING,), projects=(0, 1)),
    DemoParticipant("Daniel Okafor", "bank_transfer", style="easy_read", bank=("107999", "88837491"),
                    watch_limits=(ESA,), projects=(2, 1)),
    DemoParticipant("Priya Sharma", "bank_transfer", style="large_print", bank=("202959", "63748472"),
                    projects=(0,)),
    DemoParticipant("Tom Hughes", "voucher", watch_limits=(CARERS,), projects=(1,)),
    # Fees go to the organisation; her own travel costs come back to her, so she has a bank account too.
    DemoParticipant("Aisha Begum", "organisation", organisation=("Mind in Leeds", "DONATION AB"),
                    bank=("827101", "28748352"), projects=(1, 2)),
    DemoParticipant("Gareth Price", "expenses_only", bank=("871427", "46238510"), projects=(0, 2)),
    DemoParticipant("Sophie Turner", "decline", style="easy_read", projects=(2,)),
    DemoParticipant("Kwame Mensah", "bank_transfer", bank=("820000", "73688637"), projects=(1,)),
    DemoParticipant("Ellen O'Brien", "voucher", style="large_print", watch_limits=(ESA,), projects=(0, 2)),
    DemoParticipant("Jamie Clarke", "bank_transfer", style="easy_read", bank=("938611", "07806039"),
                    projects=(2,)),
    DemoParticipant("Fatima Zahra", "organisation", organisation=("Carers Trust", None), bank=("134020", "63849203"),
                    projects=(0,)),
    DemoParticipant("Robert Lewis", "bank_transfer", bank=("772798", "99345694"), watch_limits=(TRADING,),
                    projects=(1, 0)),
)

# A replacement account for the payee whose payment comes back in the demo.
NEW_ACCOUNT = ("086090", "06774744")

DESCRIPTIONS = {
    "meeting": ("Advisory group meeting", "Workshop on the draft service model", "Focus group on waiting times"),
    "document_review": ("Review of the participant information sheet", "Comments on the draft Easy Read letter"),
    "interview_panel": ("Interview panel for the peer support worker post",),
    "co_facilitation": ("Co-facilitating the staff training session",),
    "survey": ("Quick survey on meeting times",),
}
