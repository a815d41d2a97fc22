import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Survey, SurveyQuestion, SurveyVersion } from "./survey.entity";
import { CreateSurveyInput, UpdateSurveyInput } from "./survey.inputs";
import { Stage } from "../lifecycle/stage.entity";
import { Touchpoint } from "../touchpoint/touchpoint.entity";
import { SurveyConnection } from "../../common/connections";
import type { Context } from "../../context";

@Resolver(() => Survey)
export class SurveyResolver {
  @Query(() => SurveyConnection)
  async surveys(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return SurveyConnection.from(await services.surveys.list(organizationId, first, after));
  }

  @Query(() => Survey)
  survey(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<Survey> {
    return services.surveys.get(id);
  }

  @Mutation(() => Survey, { description: "Creates a survey and its first version (admins only)" })
  createSurvey(@Arg("input") input: CreateSurveyInput, @Ctx() { services }: Context): Promise<Survey> {
    return services.surveys.create(input);
  }

  @Mutation(() => Survey, { description: "Renames, (de)activates, or gives a survey new questions as a new version (admins only)" })
  updateSurvey(@Arg("input") input: UpdateSurveyInput, @Ctx() { services }: Context): Promise<Survey> {
    return services.surveys.update(input);
  }

  @FieldResolver(() => [SurveyQuestion], { description: "The questions of a version (default: the current one)" })
  async questions(@Root() s: Survey, @Ctx() { loaders }: Context, @Arg("version", () => Int, { nullable: true }) version?: number): Promise<SurveyQuestion[]> {
    const versions = await loaders.versionsBySurvey.load({ organizationId: s.organizationId, id: s.id });
    const v = versions.find((x) => x.version === (version ?? s.currentVersion));
    return v ? loaders.questionsByVersion.load({ organizationId: s.organizationId, id: v.id }) : [];
  }

  @FieldResolver(() => [SurveyVersion])
  versions(@Root() s: Survey, @Ctx() { loaders }: Context): Promise<SurveyVersion[]> {
    return loaders.versionsBySurvey.load({ organizationId: s.organizationId, id: s.id });
  }

  @FieldResolver(() => Stage, { nullable: true })
  stage(@Root() s: Survey, @Ctx() { loaders }: Context) {
    return s.stageId ? loaders.stageById.load({ organizationId: s.organizationId, id: s.stageId }) : null;
  }

  @FieldResolver(() => Touchpoint, { nullable: true })
  touchpoint(@Root() s: Survey, @Ctx() { loaders }: Context) {
    return s.touchpointId ? loaders.touchpointById.load({ organizationId: s.organizationId, id: s.touchpointId }) : null;
  }
}
