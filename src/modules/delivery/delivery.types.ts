import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { DecimalScalar, Money } from "../../common/scalars";
import { Programme } from "../programme/programme.entity";

@ObjectType({
  description:
    "People reached by a programme's deliveries in the period: distinct beneficiaries delivered to, and the people reached at sites (schools, clinics), kept apart and summed. For funders each count below the organization's threshold is hidden (with a complement, so the total cannot give it back).",
  simpleResolvers: true,
})
export class BeneficiariesReached {
  @Field(() => Int, { nullable: true, description: "Distinct beneficiaries delivered to in [from, to) (a person delivered to twice counts once); null when suppressed" })
  people!: number | null;

  @Field(() => Int, { nullable: true, description: "The people reached at sites in [from, to), as the deliveries reported them (summed over deliveries); null when suppressed" })
  atSites!: number | null;

  @Field(() => Int, { nullable: true, description: "people + atSites; null when suppressed" })
  total!: number | null;

  @Field({ description: "True when any of the three is hidden by small-cell suppression (funders)" })
  suppressed!: boolean;
}

@ObjectType({
  description:
    "Days from sale to delivery. Funded units are allocated to delivered units first-in, first-out: the n-th unit funded (sales in time order) is the n-th unit delivered (deliveries in time order), over the programme's whole history up to the period's end. Each unit delivered in [from, to) that a sale funded counts once, with days = its delivery's deliveredAt − its sale's occurredAt (negative when delivered ahead of the sale that funded it). Units delivered beyond what was funded have no sale and are not counted here.",
  simpleResolvers: true,
})
export class DaysToDelivery {
  @Field(() => DecimalScalar, { description: "Units delivered in the period that a sale funded: the units the figures below are taken over" })
  units!: string;

  @Field(() => Float, { nullable: true, description: "Median: the fewest days d such that at least half of these units took d days or fewer (2 decimals); null when there are none or when suppressed" })
  median!: number | null;

  @Field(() => Float, { nullable: true, description: "90th percentile: the fewest days d such that at least 90 % of these units took d days or fewer (2 decimals); null when there are none or when suppressed" })
  p90!: number | null;
}

@ObjectType({
  description:
    "Funded versus delivered for one programme over [from, to). Units funded are the units given by sales of the offerings whose impact rule funds the programme (offerings.programmeId, as it is now). The period's figures (unitsFunded, contribution, unitsDelivered, beneficiariesReached, daysToDelivery, costPerBeneficiaryReached) count what happened in [from, to); backlog and deliveredBeyondFunded are cumulative: everything funded and delivered from the start up to `to`.",
  simpleResolvers: true,
})
export class ProgrammeDeliveryStatus {
  @Field(() => Programme)
  programme!: Programme;

  @Field(() => DecimalScalar, { description: "Units funded by sales in [from, to): the sum of their units given (the offering's units given per unit sold × units sold)" })
  unitsFunded!: string;

  @Field(() => Money, { description: "Money contributed by those sales in [from, to) (revenue share, fixed amounts)" })
  contribution!: Money;

  @Field(() => Int, {
    nullable: true,
    description:
      "Units delivered in [from, to). For funders hidden (null) with beneficiariesReached.total, and otherwise adjusted like it (units are often people one for one)",
  })
  unitsDelivered!: number | null;

  @Field(() => DecimalScalar, { description: "Units funded from the start up to `to` (cumulative)" })
  fundedToDate!: string;

  @Field(() => Int, {
    description: "Units delivered from the start up to `to` (cumulative). For funders adjusted by the record keys of every delivery so far (backlog and deliveredBeyondFunded follow from it)",
  })
  deliveredToDate!: number;

  @Field(() => DecimalScalar, { description: "Backlog at the period's end, cumulative from the start: fundedToDate − deliveredToDate when positive, else 0 (never negative)" })
  backlog!: string;

  @Field(() => DecimalScalar, { description: "Delivered beyond what was funded at the period's end, cumulative from the start: deliveredToDate − fundedToDate when positive, else 0" })
  deliveredBeyondFunded!: string;

  @Field(() => DaysToDelivery)
  daysToDelivery!: DaysToDelivery;

  @Field(() => BeneficiariesReached)
  beneficiariesReached!: BeneficiariesReached;

  @Field(() => Money, {
    nullable: true,
    description: "contribution ÷ beneficiariesReached.total, both of [from, to), rounded to the currency's minor unit (half up); null when no one was reached or when suppressed",
  })
  costPerBeneficiaryReached!: Money | null;
}

@ObjectType({ description: "Funded versus delivered over [from, to): one row per programme (the one asked for, or every programme of the organization, oldest first)" })
export class FundedVsDelivered {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => [ProgrammeDeliveryStatus])
  programmes!: ProgrammeDeliveryStatus[];
}
