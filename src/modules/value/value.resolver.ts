import { Arg, Args, Ctx, Float, ID, Int, Query, Resolver } from "type-graphql";
import { Interval, StakeholderKind } from "../../common/enums";
import { PeriodArgsInput } from "../../common/periods";
import { BeneficiaryRetention, CustomerValue, ExperienceDrivers, LoopValue } from "./value.types";
import { DEFAULT_DISCOUNT_RATE, DEFAULT_MARGIN_RATE } from "./value.service";
import type { Context } from "../../context";

@Resolver()
export class ValueResolver {
  @Query(() => CustomerValue, {
    description:
      "Customer value by experience over [from, to): customers by NPS class and by QoE band with revenue, purchases, repeat-purchase rate, average order value, retention and lifetime value; revenue at risk from detractors",
  })
  async customerValue(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("marginRate", () => Float, { defaultValue: DEFAULT_MARGIN_RATE, description: "Margin on revenue, 0..1 (0.3 when not given)" }) marginRate: number,
    @Arg("discountRate", () => Float, { defaultValue: DEFAULT_DISCOUNT_RATE, description: "Discount rate per period of the length of [from, to), above 0 and at most 1 (0.1 when not given)" })
    discountRate: number,
    @Arg("exitStageIds", () => [ID], { nullable: true, description: "Customer stages that mean the customer left (default: the customer lifecycle's last stage)" })
    exitStageIds?: string[] | null,
  ): Promise<CustomerValue> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.value.customerValue(organizationId, p.from, p.to, marginRate, discountRate, exitStageIds);
  }

  @Query(() => BeneficiaryRetention, {
    description: "Beneficiaries who reached the outcome stage or exited before it in [from, to), by their experience (NPS class, rating band) at their latest answer before that",
  })
  async beneficiaryRetention(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("outcomeStageId", () => ID, { nullable: true, description: "Default: the beneficiary lifecycle's stage before the last" }) outcomeStageId?: string | null,
    @Arg("exitStageId", () => ID, { nullable: true, description: "Default: the beneficiary lifecycle's last stage" }) exitStageId?: string | null,
  ): Promise<BeneficiaryRetention> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.value.beneficiaryRetention(organizationId, p.from, p.to, outcomeStageId, exitStageId);
  }

  @Query(() => ExperienceDrivers, {
    description:
      "What drives experience over [from, to): every INPUT KPI against NPS and QoE on a period grid (Pearson, Spearman, n, 95 % interval, optional lag), and touchpoints' relative importance for the NPS answer (Shapley decomposition of R²)",
  })
  async experienceDrivers(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Arg("interval", () => Interval) interval: Interval,
    @Ctx() { services }: Context,
    @Arg("lag", () => Int, { defaultValue: 0, description: "Periods the KPI leads the output by (0..12)" }) lag: number,
    @Arg("audience", () => StakeholderKind, { defaultValue: StakeholderKind.CUSTOMER, description: "Whose NPS answers and touchpoint ratings" }) audience: StakeholderKind,
  ): Promise<ExperienceDrivers> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.value.experienceDrivers(organizationId, p.from, p.to, interval, lag, audience);
  }

  @Query(() => LoopValue, { description: "Does closing the loop pay? Customer detractors whose loop was closed on time against the others: their next NPS answer and their repurchase rate" })
  async loopValue(@Arg("organizationId", () => ID) organizationId: string, @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput, @Ctx() { services }: Context): Promise<LoopValue> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.value.loopValue(organizationId, p.from, p.to);
  }
}
