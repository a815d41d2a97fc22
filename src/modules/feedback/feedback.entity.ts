import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import type { Timestamp } from "../../common/timestamps";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { ImpactMode, QuestionType, StakeholderKind } from "../../common/enums";

@Entity({ name: "feedback_responses" })
@ObjectType({ implements: Node, description: "A stakeholder's answers to a survey, with the verbatim comment", simpleResolvers: true })
export class FeedbackResponse {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "survey_id", type: "uuid" })
  surveyId!: string;

  @Column({ name: "survey_version_id", type: "uuid" })
  surveyVersionId!: string;

  @Column({ name: "stakeholder_id", type: "uuid" })
  stakeholderId!: string;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind" })
  @Field(() => StakeholderKind)
  kind!: StakeholderKind;

  @Column({ name: "touchpoint_id", type: "uuid", nullable: true })
  touchpointId!: string | null;

  @Column({ name: "stage_id", type: "uuid", nullable: true })
  stageId!: string | null;

  @Column({ name: "stage_impact_mode", type: "enum", enum: ["AT_SALE", "IN_USE"], enumName: "impact_mode", nullable: true })
  stageImpactMode!: ImpactMode | null;

  @Column({ name: "collected_at", type: "timestamptz" })
  @Field(() => Date, { description: "When it was collected in the field" })
  collectedAt!: Timestamp;

  @Column({ name: "received_at", type: "timestamptz" })
  @Field(() => Date, { description: "When the server received it" })
  receivedAt!: Timestamp;

  @Column({ type: "varchar", length: 4000, nullable: true })
  @Field(() => String, { nullable: true, description: "The verbatim comment (not for funders)" })
  comment!: string | null;

  @Column({ type: "smallint", nullable: true })
  @Field(() => Int, { nullable: true, description: "The NPS answer 0..10, if the survey asks one" })
  nps!: number | null;

  @Column({ name: "client_submission_id", type: "varchar", length: 120 })
  @Field()
  clientSubmissionId!: string;

  @Column({ name: "content_hash", type: "char", length: 64 })
  contentHash!: string;

  @Column({ name: "submitted_by_key_id", type: "uuid", nullable: true })
  submittedByKeyId!: string | null;

  @Column({ name: "submitted_by_partner_id", type: "uuid", nullable: true })
  submittedByPartnerId!: string | null;
}

@Entity({ name: "feedback_answers" })
@ObjectType()
export class FeedbackAnswer {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn({ name: "response_id", type: "uuid" })
  responseId!: string;

  @PrimaryColumn({ name: "question_id", type: "uuid" })
  questionId!: string;

  @Column({ type: "enum", enum: QuestionType, enumName: "question_type" })
  @Field(() => QuestionType)
  type!: QuestionType;

  @Column({ name: "value_number", type: "numeric", nullable: true })
  valueNumber!: string | null;

  @Column({ name: "value_text", type: "varchar", length: 2000, nullable: true })
  valueText!: string | null;

  @Column({ name: "value_bool", type: "boolean", nullable: true })
  valueBool!: boolean | null;
}
