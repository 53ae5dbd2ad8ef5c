"""The wire shapes of the involvement API as msgspec Structs (Create / Update / read sets).

They are shared by the services (which take the Create/Update structs as input) and the controllers
(which decode and encode them), so the HTTP API, the CLI and the tests all speak one language. Types
are checked by msgspec on the way in; the rules (bank details present when needed, money strings that
parse, minutes within limits) are checked by the services, which name the offending field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ledger.rates.contract import ExpenseList, QuoteResponse, WatchWarning

PaymentPreferenceName = Literal["bank_transfer", "voucher", "organisation", "expenses_only", "decline"]
StatementStyleName = Literal["standard", "large_print", "easy_read"]
ContactPreferenceName = Literal["email", "post", "none"]  # ledger.messages.contact
PeriodName = Literal["week", "tax_year"]
ModeName = Literal["in_person", "online"]
RecordStatusName = Literal["submitted", "approved", "rejected", "reversed"]
MAX_ATTENDEES = 200  # one activity; a bigger event is recorded as several (a body is capped anyway)
MAX_ID = 2**63 - 1  # ids are BIGINT: anything larger cannot exist, and must be a 4xx, not a database error
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="An id as returned by the server")]


# ------------------------------------------------------------------------------------ participants


class BankIn(msgspec.Struct, forbid_unknown_fields=True):
    """UK bank details: sort code 6 digits (``12-34-56`` and ``12 34 56`` accepted), account 8 digits."""

    account_name: str
    sort_code: str
    account_number: str


class OrganisationIn(msgspec.Struct, forbid_unknown_fields=True):
    """The organisation (often a charity) the participant asked to be paid instead of them."""

    name: str
    reference: str | None = None


class WatchLimitIn(msgspec.Struct, forbid_unknown_fields=True):
    """A limit to be warned about: ``week`` (Monday to Sunday) or ``tax_year`` (6 April to 5 April).

    Either an amount typed by hand (``period``, ``amount``, ``label``) or a named limit kept as dated data
    (``limit``: ``carers_allowance``, ``esa_permitted_work``, ``esa_permitted_work_lower``,
    ``trading_allowance`` or one an administrator added), whose amount in force on the activity date is
    used (``ledger.involvement.watch_limits``).
    """

    period: PeriodName | None = None
    amount: str | None = None
    label: str | None = None
    limit: str | None = None


class ParticipantCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    payment_preference: PaymentPreferenceName
    preferred_name: str | None = None
    email: str | None = None
    phone: str | None = None
    bank: BankIn | None = None
    organisation: OrganisationIn | None = None
    watch_limits: Annotated[list[WatchLimitIn], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    statement_style: StatementStyleName = "standard"
    contact_preference: ContactPreferenceName = "email"
    postal_address: str | None = None
    # The projects the person belongs to; a lead limited to some projects must name one of theirs.
    projects: Annotated[list[Id], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)


class ParticipantUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """``PATCH``: only the fields sent change. ``null`` clears an optional field (``bank: null``)."""

    name: str | UnsetType = UNSET
    preferred_name: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET
    payment_preference: PaymentPreferenceName | UnsetType = UNSET
    bank: BankIn | UnsetType | None = UNSET
    organisation: OrganisationIn | UnsetType | None = UNSET
    watch_limits: Annotated[list[WatchLimitIn], msgspec.Meta(max_length=20)] | UnsetType = UNSET
    statement_style: StatementStyleName | UnsetType = UNSET
    contact_preference: ContactPreferenceName | UnsetType = UNSET
    postal_address: str | UnsetType | None = UNSET


class BankOut(msgspec.Struct, kw_only=True):
    """Bank details as every response shows them: masked (``**-**-56``, ``****5678``)."""

    account_name: str
    sort_code: str
    account_number: str


class OrganisationOut(msgspec.Struct, kw_only=True):
    name: str
    reference: str | None


class WatchLimitOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A watch limit. For a named limit (``limit``) ``amount`` is the figure in force today, since
    ``amount_from``, with its ``source``; it is ``null`` when no figure is known for today."""

    period: str
    amount: str | None
    currency: str
    label: str
    limit: str | None = None
    amount_from: dt.date | None = None
    source: str | None = None


class ParticipantOut(msgspec.Struct, kw_only=True):
    id: int
    reference: str
    name: str
    preferred_name: str | None
    email: str | None
    phone: str | None
    payment_preference: str
    bank: BankOut | None
    organisation: OrganisationOut | None
    watch_limits: list[WatchLimitOut]
    statement_style: str
    created_at: dt.datetime
    updated_at: dt.datetime
    contact_preference: str = "email"
    postal_address: str | None = None
    # ``payment_preference``, ``bank`` and ``organisation`` above are the CONFIRMED details (what payments
    # use). A change of them waits here until a second person (finance or admin) confirms it.
    pending_payee_change: PendingPayeeChangeOut | None = None


class PayeeDetailsOut(msgspec.Struct, kw_only=True):
    """How a person is paid: payment choice, bank details (masked) and organisation."""

    payment_preference: str
    bank: BankOut | None
    organisation: OrganisationOut | None


class PendingPayeeChangeOut(msgspec.Struct, kw_only=True):
    """A change of payee details that has NOT taken effect: a second person must confirm it first."""

    id: int
    status: str
    changed: list[str]
    proposed: PayeeDetailsOut
    proposed_by: str
    proposed_at: dt.datetime
    message: str


class PayeeChangeOut(msgspec.Struct, kw_only=True):
    """One proposed change: the confirmed details now and the proposed ones side by side (masked).

    ``changed`` names what the proposal differs in from ``current`` (``payment_preference``, ``bank``,
    ``organisation``); it is what a confirmation would change while the change is pending.
    """

    id: int
    participant: int
    participant_reference: str
    participant_name: str
    status: str
    changed: list[str]
    current: PayeeDetailsOut
    proposed: PayeeDetailsOut
    proposed_by: str
    proposed_by_token_id: int | None
    proposed_at: dt.datetime
    decided_by: str | None
    decided_by_token_id: int | None
    decided_at: dt.datetime | None
    reason: str | None


class ProjectMembershipIn(msgspec.Struct, forbid_unknown_fields=True):
    project: Id


class ParticipantProjectsOut(msgspec.Struct, kw_only=True):
    """The projects a person belongs to: added to, or with a record in."""

    participant: int
    projects: list[int]


# ---------------------------------------------------------------------------------------- projects


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    name: str
    rate_card: str
    budget: str | None = None
    cost_code: str | None = None


class ProjectOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    rate_card: str
    currency: str
    budget: str | None
    cost_code: str | None
    created_at: dt.datetime


# -------------------------------------------------------------------------------------- activities


class MileageIn(msgspec.Struct, forbid_unknown_fields=True):
    """A trip. Miles claimed earlier in the tax year are worked out by the ledger, never sent."""

    vehicle: str
    miles: int
    passengers: int = 0


class AttendeeIn(msgspec.Struct, forbid_unknown_fields=True):
    """One person's part in an activity: their own times, mileage and expenses."""

    participant: Id
    involvement_minutes: int
    role: str = "member"
    preparation_minutes: int = 0
    follow_up_minutes: int = 0
    travel_minutes: int = 0
    mileage: MileageIn | None = None
    expenses: ExpenseList = msgspec.field(default_factory=list)


class ActivityCreate(msgspec.Struct, forbid_unknown_fields=True):
    project: Id
    date: dt.date
    activity: str
    attendees: Annotated[list[AttendeeIn], msgspec.Meta(min_length=1, max_length=MAX_ATTENDEES)]
    mode: ModeName = "in_person"
    description: str | None = None


class CorrectionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A correction of a rejected or reversed record: same activity, same participant.

    It starts from the record it corrects: **only the fields sent change**; every field left out keeps
    its value (role, minutes, mileage, expenses). To clear something on purpose send it empty:
    ``"mileage": null`` removes the trip, ``"expenses": []`` removes every expense, ``0`` minutes and
    ``"role": "member"`` reset those. ``expenses``, when sent, is the whole new list.
    """

    involvement_minutes: int | UnsetType = UNSET
    role: str | UnsetType = UNSET
    preparation_minutes: int | UnsetType = UNSET
    follow_up_minutes: int | UnsetType = UNSET
    travel_minutes: int | UnsetType = UNSET
    mileage: MileageIn | UnsetType | None = UNSET
    expenses: ExpenseList | UnsetType = UNSET


class FieldChange(msgspec.Struct, kw_only=True):
    """One field a correction changed, in words an approver can check (``"1 h 30 min"`` -> ``"1 h"``)."""

    field: str
    old: str
    new: str


class AmountChange(msgspec.Struct, kw_only=True):
    """Fees, expenses or the total: the corrected record's amount, the correction's, and the difference."""

    what: Literal["fees", "expenses", "total"]
    old: str
    new: str
    difference: str


class CorrectionChanges(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What a correction changes compared with the record it corrects, field by field and in money.

    ``amounts`` is empty when either side cannot be worked out (``amounts_problem`` says why).
    """

    corrects_record: int
    fields: list[FieldChange]
    amounts: list[AmountChange]
    amounts_problem: str | None = None


class RecordCreated(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int
    participant: int
    status: str
    quote: QuoteResponse
    changes: CorrectionChanges | None = None  # for a correction: what it changes


class ActivityCreated(msgspec.Struct, kw_only=True):
    id: int
    records: list[RecordCreated]


# ----------------------------------------------------------------------------------------- records


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


class ActivityOut(msgspec.Struct, kw_only=True):
    id: int
    project: int
    date: dt.date
    activity: str
    mode: str
    description: str | None


class MileageOut(msgspec.Struct, kw_only=True):
    vehicle: str
    miles: int
    passengers: int


class ExpenseOut(msgspec.Struct, kw_only=True):
    category: str
    amount: str
    receipt: str | None


class RecordOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A record as it stands. ``quote`` holds the stored lines once approved, else a live quote.

    ``quote_problem`` explains why a live quote could not be worked out (for example the project's rate
    card was removed); ``warnings`` are set on the answer to an approval.
    """

    id: int
    activity: ActivityOut
    participant: int
    role: str
    involvement_minutes: int
    preparation_minutes: int
    follow_up_minutes: int
    travel_minutes: int
    mileage: MileageOut | None
    expenses: list[ExpenseOut]
    status: str
    recorded_by_token_id: int | None
    decided_by_token_id: int | None
    decided_at: dt.datetime | None
    rejection_reason: str | None
    reversed_by_token_id: int | None
    reversed_at: dt.datetime | None
    reversal_reason: str | None
    corrects_record: int | None
    payment_preference_at_approval: str | None
    quote: QuoteResponse | None
    quote_problem: str | None = None
    warnings: list[WatchWarning] | None = None
    changes: CorrectionChanges | None = None  # a correction: what changed from the record it corrects


# ----------------------------------------------------------------------------------------- balance


class FeesExpenses(msgspec.Struct, kw_only=True):
    fees: str
    expenses: str
    total: str


class Declined(msgspec.Struct, kw_only=True):
    """Recognised but not paid: the value the participant chose not to take, and the time it covered."""

    fees: str
    expenses: str
    minutes: int


class CurrencyBalance(msgspec.Struct, kw_only=True):
    currency: str
    owed: FeesExpenses
    paid: FeesExpenses
    declined: Declined


class WatchStatusOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Where the participant stands today against one watch limit: their own earnings (fees paid to them
    by bank transfer or voucher, by activity date) in the current week or tax year, and the limit."""

    period: str
    label: str
    period_start: dt.date
    period_end: dt.date
    limit: str
    earnings: str
    over: bool
    limit_key: str | None = None
    source: str | None = None


class BalanceOut(msgspec.Struct, kw_only=True):
    """What a participant is owed now, what has been paid, and what they declined.

    Figures are for ``currency``; a participant paid in more than one currency (rare) has the others in
    ``other_currencies``, never added together.
    """

    participant: int
    reference: str
    currency: str
    owed: FeesExpenses
    paid: FeesExpenses
    declined: Declined
    other_currencies: list[CurrencyBalance]
    watch_limits: list[WatchStatusOut] = msgspec.field(default_factory=list)  # where they stand today
