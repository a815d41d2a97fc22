import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { InterventionStatus } from "../../common/enums";

@Entity({ name: "experience_goals" })
@ObjectType({ implements: Node, description: "A unit-level statement of the experience to give at a stage or touchpoint, the input KPIs that tell whether it is delivered, and the interventions planned for it" })
export class ExperienceGoal {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "varchar", length: 500 })
  @Field({ description: 'e.g. "the lamp works the day it arrives"' })
  statement!: string;

  @Column({ name: "stage_id", type: "uuid", nullable: true })
  stageId!: string | null;

  @Column({ name: "touchpoint_id", type: "uuid", nullable: true })
  touchpointId!: string | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field()
  updatedAt!: Date;
}

@Entity({ name: "interventions" })
@ObjectType({ implements: Node, description: "Something planned to deliver an experience goal, with an owner and a timeline" })
export class Intervention {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "goal_id", type: "uuid" })
  goalId!: string;

  @Column({ type: "varchar", length: 300 })
  @Field()
  title!: string;

  @Column({ name: "owner_area_id", type: "uuid" })
  ownerAreaId!: string;

  @Column({ name: "owner_person", type: "varchar", length: 200, nullable: true })
  @Field(() => String, { nullable: true })
  ownerPerson!: string | null;

  @Column({ name: "starts_on", type: "date" })
  @Field({ description: "YYYY-MM-DD" })
  startsOn!: string;

  @Column({ name: "ends_on", type: "date" })
  @Field({ description: "YYYY-MM-DD" })
  endsOn!: string;

  @Column({ type: "enum", enum: InterventionStatus, enumName: "intervention_status" })
  @Field(() => InterventionStatus)
  status!: InterventionStatus;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
