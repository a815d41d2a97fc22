import { Organization } from "./organization/organization.entity";
import { Lifecycle } from "./lifecycle/lifecycle.entity";
import { Stage } from "./lifecycle/stage.entity";
import { FunctionalArea } from "./functional-area/functional-area.entity";
import { Partner } from "./partner/partner.entity";
import { Touchpoint } from "./touchpoint/touchpoint.entity";
import { Stakeholder } from "./stakeholder/stakeholder.entity";
import { StageTransition } from "./stakeholder/stage-transition.entity";
import { Interaction } from "./stakeholder/interaction.entity";
import { StakeholderContact } from "./stakeholder/contact.entity";
import { ApiKey } from "./access/access.entity";
import { AuditEntry } from "./audit/audit.entity";
import { Metric, MetricTarget } from "./metric/metric.entity";
import { MetricQuestionLink } from "./metric/metric-link.entity";
import { Observation } from "./metric/observation.entity";
import { Offering, Sale } from "./sales/sales.entity";
import { Survey, SurveyQuestion, SurveyVersion } from "./survey/survey.entity";
import { FeedbackAnswer, FeedbackResponse } from "./feedback/feedback.entity";
import { Action, ActionRule } from "./action/action.entity";
import { ExperienceGoal, Intervention } from "./goal/goal.entity";
import { Programme, ProgrammeEnrolment } from "./programme/programme.entity";
import { Delivery } from "./delivery/delivery.entity";

export const entities = [Organization, Lifecycle, Stage, FunctionalArea, Partner, Touchpoint, Stakeholder, StageTransition, Interaction, StakeholderContact, ApiKey, AuditEntry, Metric, MetricTarget, MetricQuestionLink, Observation, Offering, Sale,
  Survey, SurveyVersion, SurveyQuestion, FeedbackResponse, FeedbackAnswer, ActionRule, Action, ExperienceGoal, Intervention, Programme, ProgrammeEnrolment, Delivery];
