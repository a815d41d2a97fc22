import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Delivery } from "./delivery.entity";
import { DeliveryFilter, RecordDeliveriesInput } from "./delivery.inputs";
import { FundedVsDelivered } from "./delivery.types";
import { Programme } from "../programme/programme.entity";
import { Partner } from "../partner/partner.entity";
import { Stakeholder } from "../stakeholder/stakeholder.entity";
import { BatchResult } from "../../common/batch";
import { DeliveryConnection } from "../../common/connections";
import { NotFoundError } from "../../common/errors";
import { PeriodArgsInput } from "../../common/periods";
import type { Context } from "../../context";

@Resolver(() => Delivery)
export class DeliveryResolver {
  @Mutation(() => BatchResult, {
    description: "Records 1 to 1000 deliveries, each answered on its own (admins, staff, field partners for the programmes their partner delivers); a retried client key is stored once",
  })
  recordDeliveries(@Arg("input") input: RecordDeliveriesInput, @Ctx() { services }: Context): Promise<BatchResult> {
    return services.deliveries.record(input);
  }

  @Query(() => DeliveryConnection, { description: "One organization's deliveries, latest first (admins, staff; field partners: the deliveries they submitted; not funders)" })
  async deliveries(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("filter", () => DeliveryFilter, { nullable: true }) filter?: DeliveryFilter,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return DeliveryConnection.from(await services.deliveries.list(organizationId, filter, first, after));
  }

  @Query(() => FundedVsDelivered, {
    description:
      "Units funded by sales against units delivered over [from, to), per programme: backlog, days from sale to delivery (first-in, first-out), beneficiaries reached, cost per beneficiary reached (admins, staff, funders with small-cell suppression; not field partners)",
  })
  async fundedVsDelivered(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("programmeId", () => ID, { nullable: true, description: "One programme; every programme of the organization when left out" }) programmeId?: string,
  ): Promise<FundedVsDelivered> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.deliveries.fundedVsDelivered(organizationId, programmeId, p.from, p.to);
  }

  @FieldResolver(() => Programme)
  async programme(@Root() d: Delivery, @Ctx() { loaders }: Context): Promise<Programme> {
    const p = await loaders.programmeById.load({ organizationId: d.organizationId, id: d.programmeId });
    if (!p) throw new NotFoundError("Programme");
    return p;
  }

  @FieldResolver(() => Stakeholder, { nullable: true, description: "The beneficiary delivered to; null for a delivery to a site (or where the caller may not see them)" })
  beneficiary(@Root() d: Delivery, @Ctx() { loaders }: Context): Promise<Stakeholder | null> | null {
    return d.beneficiaryId ? loaders.stakeholderById.load({ organizationId: d.organizationId, id: d.beneficiaryId }) : null;
  }

  @FieldResolver(() => Partner, { nullable: true, description: "The partner that delivered it; null when the organization did itself" })
  partner(@Root() d: Delivery, @Ctx() { loaders }: Context): Promise<Partner | null> | null {
    return d.partnerId ? loaders.partnerById.load({ organizationId: d.organizationId, id: d.partnerId }) : null;
  }
}
