"""Every table of Ambassadør, one module per aggregate; import this package to see them all.

Each column's ``info`` records whether it holds personal data and its retention class
(``mentor.db.column_info``). ``personal=True`` marks anything about an identifiable person —
including the keys that tie a row to one (GDPR counts pseudonymous ids as personal data) and the
staff member who did something; anonymisation clears or overwrites those columns and a
subject-access export includes them. ``personal=False`` marks structure: states, timestamps and
catalogue references that say nothing once the personal columns are gone.

Relationships are ``lazy="raise"``: callers say what they load (``selectinload``/``joinedload``).
JSON columns are not mutation-tracked: assign a new list or dict instead of changing one in place.
"""

from mentor.db import Base
from mentor.models.account import (
    AccountToken,
    CounsellorSchool,
    Locale,
    LoginAttempt,
    LoginSession,
    PendingLogin,
    PendingStep,
    RateLimitEvent,
    RecoveryCode,
    Role,
    TokenPurpose,
    TotpCredential,
    User,
)
from mentor.models.ambassador import (
    Ambassador,
    AmbassadorInterest,
    AmbassadorState,
    ContactPreference,
)
from mentor.models.audit import AuditAction, AuditEvent, AuditMaintenance
from mentor.models.followup import (
    AmbassadorCertificate,
    AmbassadorCheckIn,
    AnnualFiguresSnapshot,
    CheckInChannel,
    DigestDelivery,
    ExitAnswer,
    ExitRespondent,
    SchoolYearDate,
    SchoolYearDateKind,
)
from mentor.models.generation import DataGeneration
from mentor.models.match import (
    OPEN_MATCH_STATES,
    CloseReason,
    DeclineReason,
    Match,
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    MatchState,
    PairRule,
    PairRuleKind,
    ScoringModelRecord,
)
from mentor.models.meeting import (
    BOOKED_STATES,
    Attendance,
    CalendarEntry,
    CalendarEntryKind,
    Feedback,
    FollowUpPriority,
    Helpfulness,
    Meeting,
    MeetingKind,
    MeetingLog,
    MeetingParticipant,
    MeetingPlace,
    MeetingState,
    MeetingTopic,
)
from mentor.models.note import Note
from mentor.models.organisation import (
    EudMainArea,
    InstitutionProgramme,
    Interest,
    InterestGroup,
    Organisation,
    OrganisationKind,
    Programme,
    ProgrammeFamily,
)
from mentor.models.outbox import OutboxEmail, OutboxState
from mentor.models.privacy import PrivacyRequest, PrivacyRequestKind
from mentor.models.pupil import (
    ConsentMethod,
    ConsentState,
    Pupil,
    PupilInterest,
    PupilLink,
    PupilLinkPurpose,
    PupilProgrammeInterest,
    PupilStatus,
)
from mentor.models.setting import Setting

__all__ = [
    "BOOKED_STATES",
    "OPEN_MATCH_STATES",
    "AccountToken",
    "Ambassador",
    "AmbassadorCertificate",
    "AmbassadorCheckIn",
    "AmbassadorInterest",
    "AmbassadorState",
    "AnnualFiguresSnapshot",
    "Attendance",
    "AuditAction",
    "AuditEvent",
    "AuditMaintenance",
    "Base",
    "CalendarEntry",
    "CalendarEntryKind",
    "CheckInChannel",
    "CloseReason",
    "ConsentMethod",
    "ConsentState",
    "ContactPreference",
    "CounsellorSchool",
    "DataGeneration",
    "DeclineReason",
    "DigestDelivery",
    "EudMainArea",
    "ExitAnswer",
    "ExitRespondent",
    "Feedback",
    "FollowUpPriority",
    "Helpfulness",
    "InstitutionProgramme",
    "Interest",
    "InterestGroup",
    "Locale",
    "LoginAttempt",
    "LoginSession",
    "Match",
    "MatchRun",
    "MatchRunPupil",
    "MatchRunState",
    "MatchState",
    "Meeting",
    "MeetingKind",
    "MeetingLog",
    "MeetingParticipant",
    "MeetingPlace",
    "MeetingState",
    "MeetingTopic",
    "Note",
    "Organisation",
    "OrganisationKind",
    "OutboxEmail",
    "OutboxState",
    "PairRule",
    "PairRuleKind",
    "PendingLogin",
    "PendingStep",
    "PrivacyRequest",
    "PrivacyRequestKind",
    "Programme",
    "ProgrammeFamily",
    "Pupil",
    "PupilInterest",
    "PupilLink",
    "PupilLinkPurpose",
    "PupilProgrammeInterest",
    "PupilStatus",
    "RateLimitEvent",
    "RecoveryCode",
    "Role",
    "SchoolYearDate",
    "SchoolYearDateKind",
    "ScoringModelRecord",
    "Setting",
    "TokenPurpose",
    "TotpCredential",
    "User",
]
