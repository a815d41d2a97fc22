import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { QuestionType, StakeholderKind } from "../../common/enums";
import { DecimalScalar } from "../../common/scalars";

@Entity({ name: "surveys" })
@ObjectType({ implements: Node, description: "A short questionnaire for one audience, usually sent after a touchpoint. Versioned: editing makes a new version." })
export class Survey {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "varchar", length: 200 })
  @Field()
  name!: string;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind" })
  @Field(() => StakeholderKind)
  audience!: StakeholderKind;

  @Column({ name: "stage_id", type: "uuid", nullable: true })
  stageId!: string | null;

  @Column({ name: "touchpoint_id", type: "uuid", nullable: true })
  touchpointId!: string | null;

  @Column({ name: "current_version", type: "int" })
  @Field(() => Int)
  currentVersion!: number;

  @Column({ type: "boolean" })
  @Field()
  active!: boolean;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field()
  updatedAt!: Date;
}

@Entity({ name: "survey_versions" })
@ObjectType({ implements: Node, description: "One version of a survey's questions; answers point at the version they answered" })
export class SurveyVersion {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "survey_id", type: "uuid" })
  surveyId!: string;

  @Column({ type: "int" })
  @Field(() => Int)
  version!: number;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}

@Entity({ name: "survey_questions" })
@ObjectType({ implements: Node, simpleResolvers: true })
export class SurveyQuestion {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "survey_version_id", type: "uuid" })
  surveyVersionId!: string;

  @Column({ type: "varchar", length: 40 })
  @Field({ description: "Stable key answers refer to, e.g. 'nps', 'fit'" })
  key!: string;

  @Column({ type: "int" })
  @Field(() => Int)
  position!: number;

  @Column({ type: "enum", enum: QuestionType, enumName: "question_type" })
  @Field(() => QuestionType)
  type!: QuestionType;

  @Column({ type: "varchar", length: 500 })
  @Field()
  text!: string;

  @Column({ type: "text", array: true, nullable: true })
  @Field(() => [String], { nullable: true })
  options!: string[] | null;

  @Column({ type: "boolean" })
  @Field()
  required!: boolean;

  @Column({ name: "number_unit", type: "varchar", length: 40, nullable: true })
  @Field(() => String, { nullable: true, description: 'NUMBER only: the unit the answer is in, e.g. "KES per month", "hours"' })
  unit!: string | null;

  @Column({ name: "number_min", type: "numeric", nullable: true })
  @Field(() => DecimalScalar, { nullable: true, description: "NUMBER only: the smallest answer accepted (none when null)" })
  min!: string | null;

  @Column({ name: "number_max", type: "numeric", nullable: true })
  @Field(() => DecimalScalar, { nullable: true, description: "NUMBER only: the largest answer accepted (none when null)" })
  max!: string | null;
}
