import { randomUUID } from "node:crypto";
import { DataSource, EntityManager } from "typeorm";
import { Access, Principal } from "./common/access";
import { byIdLoader, childListLoader, childPageLoader, linkedRowsLoader, OrganizationRowsLoader, Reader } from "./common/loaders";
import { answersByResponseLoader } from "./modules/feedback/feedback.loaders";
import { RequestDb } from "./database/request-db";
import { Bulkhead } from "./database/bulkhead";
import { Organization } from "./modules/organization/organization.entity";
import { Lifecycle } from "./modules/lifecycle/lifecycle.entity";
import { Stage } from "./modules/lifecycle/stage.entity";
import { FunctionalArea } from "./modules/functional-area/functional-area.entity";
import { Partner } from "./modules/partner/partner.entity";
import { Touchpoint } from "./modules/touchpoint/touchpoint.entity";
import { Stakeholder } from "./modules/stakeholder/stakeholder.entity";
import { StageTransition } from "./modules/stakeholder/stage-transition.entity";
import { Interaction } from "./modules/stakeholder/interaction.entity";
import { StakeholderContact } from "./modules/stakeholder/contact.entity";
import { Metric, MetricTarget } from "./modules/metric/metric.entity";
import { MetricQuestionLink } from "./modules/metric/metric-link.entity";
import { Offering } from "./modules/sales/sales.entity";
import { MetricService } from "./modules/metric/metric.service";
import { SalesService } from "./modules/sales/sales.service";
import { ImpactService } from "./modules/impact/impact.service";
import { Survey, SurveyQuestion, SurveyVersion } from "./modules/survey/survey.entity";
import { FeedbackResponse } from "./modules/feedback/feedback.entity";
import { Action } from "./modules/action/action.entity";
import { ExperienceGoal, Intervention } from "./modules/goal/goal.entity";
import { SurveyService } from "./modules/survey/survey.service";
import { FeedbackService } from "./modules/feedback/feedback.service";
import { ActionService } from "./modules/action/action.service";
import { GoalDeliveryService, GoalService } from "./modules/goal/goal.service";
import { QoeService } from "./modules/qoe/qoe.service";
import { ValueService } from "./modules/value/value.service";
import { ReportService } from "./modules/report/report.service";
import { OrganizationService } from "./modules/organization/organization.service";
import { LifecycleService } from "./modules/lifecycle/lifecycle.service";
import { FunctionalAreaService } from "./modules/functional-area/functional-area.service";
import { PartnerService } from "./modules/partner/partner.service";
import { TouchpointService } from "./modules/touchpoint/touchpoint.service";
import { StakeholderService } from "./modules/stakeholder/stakeholder.service";
import { AccessService } from "./modules/access/access.service";
import { AuditService } from "./modules/audit/audit.service";
import { PeriodService } from "./common/periods";
import { DecodedIds } from "./common/global-id-schema";
import { Programme, ProgrammeEnrolment } from "./modules/programme/programme.entity";
import { ProgrammeService } from "./modules/programme/programme.service";
import { NodeService } from "./modules/node/node.service";
import { DeliveryService } from "./modules/delivery/delivery.service";
import { ChainService } from "./modules/chain/chain.service";
import { OutcomeService } from "./modules/outcome/outcome.service";

/**
 * DataLoaders, new for every request (their caches never outlive it), scoped to the caller.
 * `read` runs the hot list loaders' statements (the request's `rows()`: timestamps as ISO strings).
 */
export function createLoaders(em: EntityManager, access: Access, read: Reader = (sql, params) => em.query(sql, params)) {
  const all = { access };
  const people = { access, personLevel: true };
  const questionById = byIdLoader(em, SurveyQuestion, "survey_questions", all);
  return {
    organizationById: byIdLoader(em, Organization, "organizations", all),
    lifecycleById: byIdLoader(em, Lifecycle, "lifecycles", all),
    /** Every stage of an organization at once (a few dozen rows): one statement per request. */
    stageById: new OrganizationRowsLoader(em, Stage, "stages", all),
    functionalAreaById: byIdLoader(em, FunctionalArea, "functional_areas", all),
    partnerById: byIdLoader(em, Partner, "partners", all),
    touchpointById: byIdLoader(em, Touchpoint, "touchpoints", all),
    stakeholderById: byIdLoader(em, Stakeholder, "stakeholders", { ...people, partnerColumn: "registered_by_partner_id" }),
    contactByStakeholder: childListLoader(em, StakeholderContact, "stakeholder_contacts", "stakeholder_id", "t.stakeholder_id", people),
    /** key: { organizationId, id: organizationId } */
    lifecyclesByOrganization: childListLoader(em, Lifecycle, "lifecycles", "organization_id", "t.kind", all),
    stagesByLifecycle: childListLoader(em, Stage, "stages", "lifecycle_id", "t.position", all),
    functionalAreasByOrganization: childPageLoader(em, FunctionalArea, "functional_areas", "organization_id", "created_at", all),
    partnersByOrganization: childPageLoader(em, Partner, "partners", "organization_id", "created_at", all),
    touchpointsByOrganization: childPageLoader(em, Touchpoint, "touchpoints", "organization_id", "created_at", all),
    touchpointsByStage: childPageLoader(em, Touchpoint, "touchpoints", "stage_id", "created_at", all),
    journeyByStakeholder: childPageLoader(em, StageTransition, "stage_transitions", "stakeholder_id", "occurred_at", { ...people, partnerColumn: "recorded_by_partner_id" }, read),
    metricById: byIdLoader(em, Metric, "metrics", all),
    offeringById: byIdLoader(em, Offering, "offerings", all),
    programmeById: byIdLoader(em, Programme, "programmes", all),
    /** The partners that deliver each programme, by name. */
    partnersByProgramme: linkedRowsLoader(em, Partner, { table: "programme_partners", parentColumn: "programme_id", rowColumn: "partner_id" }, "partners", "t.name, t.id", all),
    /** A beneficiary's enrolments (person-level; a field partner reads the ones its partner made). */
    enrolmentsByBeneficiary: childListLoader(em, ProgrammeEnrolment, "programme_enrolments", "beneficiary_id", "t.enrolled_at, t.id", { ...people, partnerColumn: "partner_id" }),
    targetsByMetric: childPageLoader(em, MetricTarget, "metric_targets", "metric_id", "period_from", all),
    questionLinkByMetric: childListLoader(em, MetricQuestionLink, "metric_question_links", "metric_id", "t.metric_id", all),
    surveyById: byIdLoader(em, Survey, "surveys", all),
    versionsBySurvey: childListLoader(em, SurveyVersion, "survey_versions", "survey_id", "t.version", all),
    questionsByVersion: childListLoader(em, SurveyQuestion, "survey_questions", "survey_version_id", "t.position", all),
    /** Each response's answers with their questions, in the questions' order. */
    answersByResponse: answersByResponseLoader(em, access, questionById),
    questionById,
    responseById: byIdLoader(em, FeedbackResponse, "feedback_responses", { ...people, partnerColumn: "submitted_by_partner_id" }),
    actionsByResponse: childListLoader(em, Action, "actions", "response_id", "t.created_at", people),
    interventionsByGoal: childListLoader(em, Intervention, "interventions", "goal_id", "t.starts_on, t.id", all),
    goalById: byIdLoader(em, ExperienceGoal, "experience_goals", all),
    metricsByGoal: linkedRowsLoader(em, Metric, { table: "experience_goal_metrics", parentColumn: "goal_id", rowColumn: "metric_id" }, "metrics", "t.created_at, t.id", all),
    interactionsByStakeholder: childPageLoader(em, Interaction, "interactions", "stakeholder_id", "occurred_at", { ...people, partnerColumn: "recorded_by_partner_id" }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

/** What every service gets: the request's transaction, the caller's rights, the loaders. */
export interface ServiceContext {
  em: EntityManager;
  access: Access;
  loaders: Loaders;
  requestDb: RequestDb;
  /** The organization of each id the caller gave (decoded from its global id): what a look-up by id names. */
  ids: DecodedIds;
}

function createServices(sc: ServiceContext) {
  return {
    organizations: new OrganizationService(sc),
    /** Named periods and comparisons, in the organization's time zone (src/common/periods.ts). */
    periods: new PeriodService(sc),
    lifecycles: new LifecycleService(sc),
    functionalAreas: new FunctionalAreaService(sc),
    partners: new PartnerService(sc),
    touchpoints: new TouchpointService(sc),
    stakeholders: new StakeholderService(sc),
    access: new AccessService(sc),
    audit: new AuditService(sc),
    metrics: new MetricService(sc),
    sales: new SalesService(sc),
    programmes: new ProgrammeService(sc),
    deliveries: new DeliveryService(sc),
    chains: new ChainService(sc),
    outcomes: new OutcomeService(sc),
    impact: new ImpactService(sc),
    surveys: new SurveyService(sc),
    feedback: new FeedbackService(sc),
    actions: new ActionService(sc),
    goals: new GoalService(sc),
    goalDelivery: new GoalDeliveryService(sc),
    qoe: new QoeService(sc),
    /** What experience is worth (issue 16). */
    value: new ValueService(sc),
    reports: new ReportService(sc),
    /** Objects by global id (`node`, `nodes`). */
    nodes: new NodeService(sc),
  };
}
export type Services = ReturnType<typeof createServices>;

export interface Context {
  requestId: string;
  access: Access;
  loaders: Loaders;
  services: Services;
  requestDb: RequestDb;
  ids: DecodedIds;
  /** Ends the request's transaction; the server calls it when the response is ready. */
  finish(commit?: boolean): Promise<void>;
}

export async function createContext(db: DataSource, principal: Principal, requestId: string = randomUUID(), batchWrites: Bulkhead | null = null): Promise<Context> {
  const access = new Access(principal);
  const requestDb = RequestDb.open(db, access, requestId, batchWrites);
  const loaders = createLoaders(requestDb.em, access, (sql, params) => requestDb.rows(sql, params));
  const ids = new DecodedIds();
  const services = createServices({ em: requestDb.em, access, loaders, requestDb, ids });
  return { requestId, access, loaders, services, requestDb, ids, finish: (commit = true) => requestDb.finish(commit) };
}
