import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";

export enum KeyKindEnum {
  MEMBER = "MEMBER",
  FUNDER = "FUNDER",
  FIELD_PARTNER = "FIELD_PARTNER",
}
registerEnumType(KeyKindEnum, {
  name: "KeyKind",
  description: "MEMBER keys hold ADMIN or STAFF roles; FUNDER keys the FUNDER role; FIELD_PARTNER keys act for one partner of one organization",
});

export enum RoleEnum {
  ADMIN = "ADMIN",
  STAFF = "STAFF",
  FUNDER = "FUNDER",
  FIELD_PARTNER = "FIELD_PARTNER",
}
registerEnumType(RoleEnum, { name: "Role" });

@Entity({ name: "api_keys" })
@ObjectType({ description: "An API key. Its secret is shown once, when it is created, and stored only as a hash." })
export class ApiKey {
  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "organization_id", type: "uuid", nullable: true })
  organizationId!: string | null;

  @Column({ type: "enum", enum: KeyKindEnum, enumName: "key_kind" })
  @Field(() => KeyKindEnum)
  kind!: KeyKindEnum;

  @Column({ type: "varchar", length: 200 })
  @Field({ description: "A label: who or what uses it" })
  name!: string;

  @Column({ type: "varchar", length: 16 })
  @Field({ description: "The public part of the key (dbl_<prefix>_...), to recognise it" })
  prefix!: string;

  @Column({ name: "secret_hash", type: "bytea", select: false })
  secretHash!: Buffer;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;

  @Column({ name: "revoked_at", type: "timestamptz", nullable: true })
  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Column({ name: "last_used_at", type: "timestamptz", nullable: true })
  @Field(() => Date, { nullable: true, description: "Updated at most once a minute" })
  lastUsedAt!: Date | null;
}

@ObjectType({ description: "A role a key holds in one organization" })
export class ApiKeyGrant {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => RoleEnum)
  role!: RoleEnum;

  @Field(() => ID, { nullable: true, description: "For FIELD_PARTNER: the partner it acts for" })
  partnerId!: string | null;
}

@ObjectType({ description: "An API key with the roles it holds in the organization asked about" })
export class ApiKeyWithRole extends ApiKey {
  @Field(() => RoleEnum)
  role!: RoleEnum;

  @Field(() => ID, { nullable: true })
  partnerId!: string | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field({ description: "The key itself. It is shown this once: store it now." })
  key!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}

@ObjectType({ description: "The caller" })
export class Me {
  @Field(() => ID)
  keyId!: string;

  @Field()
  name!: string;

  @Field(() => KeyKindEnum)
  kind!: KeyKindEnum;

  @Field(() => [ApiKeyGrant])
  grants!: ApiKeyGrant[];
}
