import DataLoader from "dataloader";
import type { ClassType } from "type-graphql";
import { ServiceContext } from "../../context";
import { ROLES, Role } from "../../common/access";
import { decodeGlobalId, NODE_TYPES, NodeType } from "../../common/global-ids";
import { byIdLoader, Scope, TenantKey } from "../../common/loaders";
import { Organization } from "../organization/organization.entity";
import { Lifecycle } from "../lifecycle/lifecycle.entity";
import { Stage } from "../lifecycle/stage.entity";
import { FunctionalArea } from "../functional-area/functional-area.entity";
import { Partner } from "../partner/partner.entity";
import { Touchpoint } from "../touchpoint/touchpoint.entity";
import { Stakeholder } from "../stakeholder/stakeholder.entity";
import { StageTransition } from "../stakeholder/stage-transition.entity";
import { Interaction } from "../stakeholder/interaction.entity";
import { AuditEntry } from "../audit/audit.entity";
import { Metric, MetricTarget } from "../metric/metric.entity";
import { Observation } from "../metric/observation.entity";
import { Offering, Sale } from "../sales/sales.entity";
import { Programme, ProgrammeEnrolment } from "../programme/programme.entity";
import { Survey, SurveyQuestion, SurveyVersion } from "../survey/survey.entity";
import { FeedbackResponse } from "../feedback/feedback.entity";
import { Action, ActionRule } from "../action/action.entity";
import { ExperienceGoal, Intervention } from "../goal/goal.entity";
import { Delivery } from "../delivery/delivery.entity";

type Row = { organizationId: string; id: string };

/**
 * Who may fetch each type by `node(id:)`: the roles that may read it through the rest of the API,
 * and for rows about single people, the same scope as their lists (funders never; field partners
 * only what their partner registered or recorded). API keys are no nodes: they belong to no one
 * organization (read them with `apiKeys`).
 */
const READS: Record<Exclude<NodeType, "ApiKey">, { entity: ClassType<Row>; roles: readonly Role[]; person?: true; partnerColumn?: string }> = {
  Organization: { entity: Organization as ClassType<Row>, roles: ROLES.structure },
  Lifecycle: { entity: Lifecycle, roles: ROLES.structure },
  Stage: { entity: Stage, roles: ROLES.structure },
  FunctionalArea: { entity: FunctionalArea, roles: ROLES.structure },
  Partner: { entity: Partner, roles: ROLES.structure },
  Touchpoint: { entity: Touchpoint, roles: ROLES.structure },
  Survey: { entity: Survey, roles: ROLES.structure },
  SurveyVersion: { entity: SurveyVersion, roles: ROLES.structure },
  SurveyQuestion: { entity: SurveyQuestion, roles: ROLES.structure },
  Programme: { entity: Programme, roles: ROLES.structure },
  Metric: { entity: Metric, roles: ROLES.aggregates },
  MetricTarget: { entity: MetricTarget, roles: ROLES.aggregates },
  Offering: { entity: Offering, roles: ROLES.aggregates },
  Observation: { entity: Observation, roles: ROLES.staff },
  Sale: { entity: Sale, roles: ROLES.staff },
  Action: { entity: Action, roles: ROLES.staff, person: true },
  ActionRule: { entity: ActionRule, roles: ROLES.staff },
  ExperienceGoal: { entity: ExperienceGoal, roles: ROLES.staff },
  Intervention: { entity: Intervention, roles: ROLES.staff },
  AuditEntry: { entity: AuditEntry, roles: ROLES.admin },
  Stakeholder: { entity: Stakeholder, roles: ROLES.people, person: true, partnerColumn: "registered_by_partner_id" },
  StageTransition: { entity: StageTransition, roles: ROLES.people, person: true, partnerColumn: "recorded_by_partner_id" },
  Interaction: { entity: Interaction, roles: ROLES.people, person: true, partnerColumn: "recorded_by_partner_id" },
  ProgrammeEnrolment: { entity: ProgrammeEnrolment, roles: ROLES.people, person: true, partnerColumn: "partner_id" },
  FeedbackResponse: { entity: FeedbackResponse, roles: ROLES.people, person: true, partnerColumn: "submitted_by_partner_id" },
  Delivery: { entity: Delivery, roles: ROLES.people, person: true, partnerColumn: "submitted_by_partner_id" },
};

/** Fetches objects by global id, each type by one statement per batch. */
export class NodeService {
  private readonly loaders = new Map<NodeType, DataLoader<TenantKey, Row | null, string>>();

  constructor(private readonly sc: ServiceContext) {}

  private loader(type: Exclude<NodeType, "ApiKey">): DataLoader<TenantKey, Row | null, string> {
    let loader = this.loaders.get(type);
    if (!loader) {
      const read = READS[type];
      const scope: Scope = { access: this.sc.access, personLevel: read.person, partnerColumn: read.partnerColumn };
      loader = byIdLoader(this.sc.em, read.entity, NODE_TYPES[type].table, scope);
      this.loaders.set(type, loader);
    }
    return loader;
  }

  /**
   * The object of a global id, or null when it does not exist or is of an organization the caller
   * holds no role in (the two are never told apart). A role that may not read the type is FORBIDDEN.
   */
  async get(id: string, field: string): Promise<Row | null> {
    const d = decodeGlobalId(id, field);
    if (d.type === "ApiKey") return null;
    const role = this.sc.access.roleIn(d.organizationId);
    if (!role) return null;
    this.sc.access.require(d.organizationId, READS[d.type].roles, field);
    if (READS[d.type].person) this.sc.access.requirePersonLevel(field);
    return this.loader(d.type).load({ organizationId: d.organizationId, id: d.id });
  }
}
