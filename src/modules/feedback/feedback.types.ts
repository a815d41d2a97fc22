import { Field, Float, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "Net Promoter Score: % promoters (9-10) minus % detractors (0-6), on -100..100" })
export class NpsResult {
  @Field(() => Int, { nullable: true })
  promoters!: number | null;

  @Field(() => Int, { nullable: true })
  passives!: number | null;

  @Field(() => Int, { nullable: true })
  detractors!: number | null;

  @Field(() => Int, { nullable: true, description: "NPS answers counted" })
  sampleSize!: number | null;

  @Field(() => Float, { nullable: true, description: "Null when there is no answer (or when suppressed)" })
  score!: number | null;

  @Field(() => Float, { nullable: true, description: "95 % margin of error, in NPS points: 1.96 x sqrt((p + d - (p - d)^2) / n) x 100" })
  marginOfError95!: number | null;

  @Field({ description: "True when hidden by small-cell suppression (funders, fewer than k people)" })
  suppressed!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      "For funders: how the counts were adjusted (the cell-key method: each class at most the organization's perturbationMaximum off, the same every time; sampleSize, score and margin computed from the adjusted classes). Null for staff, who see true counts.",
  })
  note!: string | null;
}
