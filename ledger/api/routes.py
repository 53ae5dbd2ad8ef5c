"""Every controller of the API, in one list (mounted under ``/api/v1`` by ``ledger.api.app``).

Add a controller class here to publish it. Each route needs a token unless marked ``**PUBLIC_ROUTE``
(see ``ledger.api.auth``).
"""

from __future__ import annotations

from typing import Any

from ledger.api.audit import AuditController
from ledger.api.erasure_api import ErasureController
from ledger.api.imports_api import ImportController
from ledger.api.messages_api import MessagesController
from ledger.api.participants_api import ParticipantController
from ledger.api.payee_changes_api import PayeeChangeController
from ledger.api.payments_api import BatchController
from ledger.api.projects_api import ProjectController
from ledger.api.rates import QuoteController, RateCardController
from ledger.api.recognition_api import RecognitionController
from ledger.api.records_api import ActivityController, RecordController
from ledger.api.reports_api import ReportsController
from ledger.api.system import SystemController

ROUTE_HANDLERS: list[Any] = [
    ErasureController,  # before ParticipantController: /participants/retention is not an id
    ParticipantController,
    PayeeChangeController,
    ProjectController,
    ActivityController,
    RecordController,
    SystemController,
    AuditController,
    RateCardController,
    QuoteController,
    BatchController,
    ReportsController,
    RecognitionController,
    ImportController,
    MessagesController,
]
