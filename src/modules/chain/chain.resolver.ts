import { Arg, Args, Ctx, ID, Query, Resolver } from "type-graphql";
import { PeriodArgsInput } from "../../common/periods";
import type { Context } from "../../context";
import { ImpactChain, SaleTrace } from "./chain.types";

@Resolver()
export class ChainResolver {
  @Query(() => ImpactChain, {
    description:
      "From money to outcome over [from, to), per programme: revenue → contribution → units funded → units delivered (backlog) → beneficiaries reached → in use → who gave feedback (their experience) → outcome measured and improved, per outcome metric linked to survey answers; each step with its conversion (admins, staff, funders with small-cell suppression and adjusted counts; not field partners)",
  })
  async impactChain(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("programmeId", () => ID, { nullable: true, description: "One programme; every programme of the organization when left out" }) programmeId?: string,
  ): Promise<ImpactChain> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.chains.impactChain(organizationId, programmeId, p.from, p.to);
  }

  @Query(() => SaleTrace, {
    description:
      "One sale traced to what its contribution became: the programme, the deliveries its units were allocated to (first-in, first-out), the partner of each, and what became of the people reached (admins and staff)",
  })
  traceSale(@Arg("saleId", () => ID) saleId: string, @Ctx() { services }: Context): Promise<SaleTrace> {
    return services.chains.traceSale(saleId);
  }
}
