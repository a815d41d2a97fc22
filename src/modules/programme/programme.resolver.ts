import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Programme, ProgrammeEnrolment } from "./programme.entity";
import { CreateProgrammeInput, EnrolBeneficiaryInput, UnenrolBeneficiaryInput, UpdateProgrammeInput } from "./programme.inputs";
import { Partner } from "../partner/partner.entity";
import { Stakeholder } from "../stakeholder/stakeholder.entity";
import { ProgrammeConnection } from "../../common/connections";
import { NotFoundError } from "../../common/errors";
import type { Context } from "../../context";

@Resolver(() => Programme)
export class ProgrammeResolver {
  @Query(() => ProgrammeConnection, { description: "One organization's programmes, oldest first (every role: programmes hold no personal data)" })
  async programmes(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return ProgrammeConnection.from(await services.programmes.list(organizationId, first, after));
  }

  @Query(() => Programme)
  programme(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<Programme> {
    return services.programmes.get(id);
  }

  @Mutation(() => Programme, { description: "Creates a programme with the partners that deliver it (admins only)" })
  createProgramme(@Arg("input") input: CreateProgrammeInput, @Ctx() { services }: Context): Promise<Programme> {
    return services.programmes.create(input);
  }

  @Mutation(() => Programme, { description: "Changes a programme, its active period or its partners (admins only)" })
  updateProgramme(@Arg("input") input: UpdateProgrammeInput, @Ctx() { services }: Context): Promise<Programme> {
    return services.programmes.update(input);
  }

  @Mutation(() => ProgrammeEnrolment, { description: "Enrols a beneficiary in a programme (admins, staff, field partners for the programmes their partner delivers)" })
  enrolBeneficiary(@Arg("input") input: EnrolBeneficiaryInput, @Ctx() { services }: Context): Promise<ProgrammeEnrolment> {
    return services.programmes.enrol(input);
  }

  @Mutation(() => ProgrammeEnrolment, { description: "Removes a beneficiary's enrolment and returns it (field partners: only enrolments their partner made)" })
  unenrolBeneficiary(@Arg("input") input: UnenrolBeneficiaryInput, @Ctx() { services }: Context): Promise<ProgrammeEnrolment> {
    return services.programmes.unenrol(input);
  }

  @FieldResolver(() => [Partner], { description: "The partners that deliver it" })
  partners(@Root() p: Programme, @Ctx() { loaders }: Context): Promise<Partner[]> {
    return loaders.partnersByProgramme.load({ organizationId: p.organizationId, id: p.id });
  }
}

@Resolver(() => ProgrammeEnrolment)
export class ProgrammeEnrolmentResolver {
  @FieldResolver(() => Programme)
  async programme(@Root() e: ProgrammeEnrolment, @Ctx() { loaders }: Context): Promise<Programme> {
    const p = await loaders.programmeById.load({ organizationId: e.organizationId, id: e.programmeId });
    if (!p) throw new NotFoundError("Programme");
    return p;
  }

  @FieldResolver(() => Stakeholder, { nullable: true, description: "The beneficiary (null where the caller may not see them)" })
  beneficiary(@Root() e: ProgrammeEnrolment, @Ctx() { loaders }: Context): Promise<Stakeholder | null> {
    return loaders.stakeholderById.load({ organizationId: e.organizationId, id: e.beneficiaryId });
  }

  @FieldResolver(() => Partner, { nullable: true, description: "The partner that enrolled them; null when the organization did itself" })
  partner(@Root() e: ProgrammeEnrolment, @Ctx() { loaders }: Context): Promise<Partner | null> | null {
    return e.partnerId ? loaders.partnerById.load({ organizationId: e.organizationId, id: e.partnerId }) : null;
  }
}

@Resolver(() => Stakeholder)
export class StakeholderEnrolmentResolver {
  @FieldResolver(() => [ProgrammeEnrolment], { description: "The programmes a beneficiary is enrolled in, earliest first (field partners: the enrolments their partner made)" })
  enrolments(@Root() s: Stakeholder, @Ctx() { loaders }: Context): Promise<ProgrammeEnrolment[]> {
    return loaders.enrolmentsByBeneficiary.load({ organizationId: s.organizationId, id: s.id });
  }
}
