import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";

@Entity({ name: "audit_log" })
@ObjectType({ implements: Node, description: "One write, as recorded in the same transaction. Personal data and secrets show as \"[redacted]\"." })
export class AuditEntry {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  @Field(() => ID)
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "timestamptz" })
  @Field()
  at!: Date;

  @Column({ name: "api_key_id", type: "uuid", nullable: true })
  @Field(() => ID, { nullable: true, description: "The key that made the change (null: the command line or demo data)" })
  apiKeyId!: string | null;

  @Column({ type: "text", nullable: true })
  @Field(() => String, { nullable: true, description: "The kind of key: MEMBER, FUNDER, FIELD_PARTNER" })
  role!: string | null;

  @Column({ type: "text", nullable: true })
  @Field(() => String, { nullable: true, description: "The GraphQL mutation (or 'seed', 'cli', 'sql')" })
  operation!: string | null;

  @Column({ name: "request_id", type: "text", nullable: true })
  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Column({ type: "text" })
  @Field({ description: "The table written" })
  entity!: string;

  @Column({ name: "entity_id", type: "uuid", nullable: true })
  @Field(() => ID, { nullable: true })
  entityId!: string | null;

  @Column({ type: "text" })
  @Field({ description: "INSERT, UPDATE or DELETE" })
  action!: string;

  @Column({ type: "jsonb", nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: "For updates: the changed columns before; for deletes: the row" })
  before!: Record<string, unknown> | null;

  @Column({ type: "jsonb", nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: "For updates: the changed columns after; for inserts: the row" })
  after!: Record<string, unknown> | null;
}
