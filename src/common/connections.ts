import { Connection } from "./pagination";
import { Organization } from "../modules/organization/organization.entity";
import { FunctionalArea } from "../modules/functional-area/functional-area.entity";
import { Partner } from "../modules/partner/partner.entity";
import { Touchpoint } from "../modules/touchpoint/touchpoint.entity";
import { Stakeholder } from "../modules/stakeholder/stakeholder.entity";
import { StageTransition } from "../modules/stakeholder/stage-transition.entity";
import { Interaction } from "../modules/stakeholder/interaction.entity";

/** Connection types, built once for the schema. */
export const OrganizationConnection = Connection(Organization, "Organization");
export const FunctionalAreaConnection = Connection(FunctionalArea, "FunctionalArea");
export const PartnerConnection = Connection(Partner, "Partner");
export const TouchpointConnection = Connection(Touchpoint, "Touchpoint");
export const StakeholderConnection = Connection(Stakeholder, "Stakeholder");
export const StageTransitionConnection = Connection(StageTransition, "StageTransition");
export const InteractionConnection = Connection(Interaction, "Interaction");
import { ApiKeyWithRole } from "../modules/access/access.entity";
import { AuditEntry } from "../modules/audit/audit.entity";
export const ApiKeyConnection = Connection(ApiKeyWithRole, "ApiKey");
export const AuditEntryConnection = Connection(AuditEntry, "AuditEntry");
import { Metric, MetricTarget } from "../modules/metric/metric.entity";
import { Observation } from "../modules/metric/observation.entity";
import { Offering, Sale } from "../modules/sales/sales.entity";
export const MetricConnection = Connection(Metric, "Metric");
export const MetricTargetConnection = Connection(MetricTarget, "MetricTarget");
export const ObservationConnection = Connection(Observation, "Observation");
export const OfferingConnection = Connection(Offering, "Offering");
export const SaleConnection = Connection(Sale, "Sale");
