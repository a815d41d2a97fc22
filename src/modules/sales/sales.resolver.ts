import { PeriodArgsInput } from "../../common/periods";
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Offering, Sale } from "./sales.entity";
import { CreateOfferingInput, RecordSalesInput, UpdateOfferingInput } from "./sales.inputs";
import { Stakeholder } from "../stakeholder/stakeholder.entity";
import { Programme } from "../programme/programme.entity";
import { BatchResult } from "../../common/batch";
import { Money } from "../../common/scalars";
import { NotFoundError } from "../../common/errors";
import { OfferingConnection, SaleConnection } from "../../common/connections";
import type { Context } from "../../context";

async function currencyOf(ctx: Context, organizationId: string): Promise<string> {
  const org = await ctx.loaders.organizationById.load({ organizationId, id: organizationId });
  if (!org) throw new NotFoundError("Organization");
  return org.currency.trim();
}

@Resolver(() => Offering)
export class OfferingResolver {
  @Query(() => OfferingConnection, { description: "What the organization sells, with each offering's impact rule" })
  async offerings(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return OfferingConnection.from(await services.sales.listOfferings(organizationId, first, after));
  }

  @Mutation(() => Offering, { description: "Creates an offering with its impact rule (admins only)" })
  createOffering(@Arg("input") input: CreateOfferingInput, @Ctx() { services }: Context): Promise<Offering> {
    return services.sales.createOffering(input);
  }

  @Mutation(() => Offering, { description: "Changes an offering or its rule (admins only); recorded sales keep what they created" })
  updateOffering(@Arg("input") input: UpdateOfferingInput, @Ctx() { services }: Context): Promise<Offering> {
    return services.sales.updateOffering(input);
  }

  @FieldResolver(() => Programme, { nullable: true, description: "The programme the contribution funds" })
  programme(@Root() o: Offering, @Ctx() { loaders }: Context): Promise<Programme | null> | null {
    return o.programmeId ? loaders.programmeById.load({ organizationId: o.organizationId, id: o.programmeId }) : null;
  }

  @FieldResolver(() => Money, { nullable: true })
  async unitPrice(@Root() o: Offering, @Ctx() ctx: Context): Promise<Money | null> {
    return o.unitPriceMinor === null ? null : Money.of(o.unitPriceMinor, await currencyOf(ctx, o.organizationId));
  }

  @FieldResolver(() => Money, { description: "Fixed amount given per sale" })
  async fixedAmountPerSale(@Root() o: Offering, @Ctx() ctx: Context): Promise<Money> {
    return Money.of(o.fixedAmountPerSaleMinor, await currencyOf(ctx, o.organizationId));
  }

  @FieldResolver(() => Money, { nullable: true, description: "Amount given that serves one beneficiary" })
  async amountPerBeneficiary(@Root() o: Offering, @Ctx() ctx: Context): Promise<Money | null> {
    return o.amountPerBeneficiaryMinor === null ? null : Money.of(o.amountPerBeneficiaryMinor, await currencyOf(ctx, o.organizationId));
  }
}

@Resolver(() => Sale)
export class SaleResolver {
  @Query(() => SaleConnection, { description: "Sales in [from, to), oldest first (admins and staff)" })
  async sales(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("offeringId", () => ID, { nullable: true }) offeringId?: string,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return SaleConnection.from(await services.sales.listSales(organizationId, p.from, p.to, offeringId, first, after));
  }

  @Mutation(() => BatchResult, { description: "Records up to 1000 sales; each item answered on its own (admins and staff)" })
  recordSales(@Arg("input") input: RecordSalesInput, @Ctx() { services }: Context): Promise<BatchResult> {
    return services.sales.record(input);
  }

  @FieldResolver(() => Offering)
  async offering(@Root() s: Sale, @Ctx() { loaders }: Context): Promise<Offering> {
    const o = await loaders.offeringById.load({ organizationId: s.organizationId, id: s.offeringId });
    if (!o) throw new NotFoundError("Offering");
    return o;
  }

  @FieldResolver(() => Stakeholder, { nullable: true })
  customer(@Root() s: Sale, @Ctx() { loaders }: Context): Promise<Stakeholder | null> | null {
    return s.customerId ? loaders.stakeholderById.load({ organizationId: s.organizationId, id: s.customerId }) : null;
  }

  @FieldResolver(() => Money)
  async amount(@Root() s: Sale, @Ctx() ctx: Context): Promise<Money> {
    return Money.of(s.amountMinor, await currencyOf(ctx, s.organizationId));
  }

  @FieldResolver(() => Money, { description: "What this sale gave: its share of revenue plus any fixed amount" })
  async contribution(@Root() s: Sale, @Ctx() ctx: Context): Promise<Money> {
    return Money.of(s.contributionMinor, await currencyOf(ctx, s.organizationId));
  }
}
