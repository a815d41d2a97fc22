import { Foundation1732300000000 } from "./1732300000000-Foundation";
import { Access1732400000000 } from "./1732400000000-Access";
import { Impact1732500000000 } from "./1732500000000-Impact";
import { Feedback1732600000000 } from "./1732600000000-Feedback";
import { Reports1732700000000 } from "./1732700000000-Reports";
import { StageStays1732810000000 } from "./1732810000000-StageStays";
import { SalesDaily1732810000001 } from "./1732810000001-SalesDaily";
import { StatementAudit1732820000000 } from "./1732820000000-StatementAudit";
import { FeedbackRollup1732830000000 } from "./1732830000000-FeedbackRollup";
import { OrganizationTimeZone1732840000000 } from "./1732840000000-OrganizationTimeZone";
import { ActionTextRedacted1732847000000 } from "./1732847000000-ActionTextRedacted";
import { Programmes1732850000000 } from "./1732850000000-Programmes";
import { KeyPrincipals1732851000000 } from "./1732851000000-KeyPrincipals";
import { ErasedContentHash1732852000000 } from "./1732852000000-ErasedContentHash";
import { Deliveries1732853000000 } from "./1732853000000-Deliveries";
import { CellKeyPerturbation1732854000000 } from "./1732854000000-CellKeyPerturbation";
import { RecordKeys1732857000000 } from "./1732857000000-RecordKeys";
import { Outcomes1732859000000 } from "./1732859000000-Outcomes";
import { ExperienceStays1732861000000 } from "./1732861000000-ExperienceStays";

/** Every migration, in order. The data source takes this list (no glob), so ts and js builds agree. */
export const migrations = [
  Foundation1732300000000,
  Access1732400000000,
  Impact1732500000000,
  Feedback1732600000000,
  Reports1732700000000,
  StageStays1732810000000,
  SalesDaily1732810000001,
  StatementAudit1732820000000,
  FeedbackRollup1732830000000,
  OrganizationTimeZone1732840000000,
  ActionTextRedacted1732847000000,
  Programmes1732850000000,
  KeyPrincipals1732851000000,
  ErasedContentHash1732852000000,
  Deliveries1732853000000,
  CellKeyPerturbation1732854000000,
  RecordKeys1732857000000,
  Outcomes1732859000000,
  ExperienceStays1732861000000,
];
