import { PeriodArgsInput } from "../../common/periods";
import { Arg, Args, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { FeedbackResponse } from "./feedback.entity";
import { AnswerView } from "./feedback.loaders";
import { FeedbackFilter, SubmitFeedbackInput } from "./feedback.inputs";
import { NpsResult } from "./feedback.types";
import { Survey, SurveyQuestion } from "../survey/survey.entity";
import { Stakeholder } from "../stakeholder/stakeholder.entity";
import { Touchpoint } from "../touchpoint/touchpoint.entity";
import { Stage } from "../lifecycle/stage.entity";
import { Action } from "../action/action.entity";
import { BatchResult } from "../../common/batch";
import { NotFoundError } from "../../common/errors";
import { FeedbackResponseConnection } from "../../common/connections";
import type { Context } from "../../context";

@ObjectType({ simpleResolvers: true })
export class Answer {
  @Field(() => SurveyQuestion)
  question!: SurveyQuestion;

  @Field(() => GraphQLJSON, { nullable: true, description: "A number (NPS, RATING, EFFORT, NUMBER), true/false (YES_NO) or text (CHOICE, TEXT)" })
  value!: unknown;
}

@Resolver(() => FeedbackResponse)
export class FeedbackResolver {
  @Mutation(() => BatchResult, {
    description:
      "Submits up to 1000 responses (field apps, after days offline): each item answered on its own; a retried clientSubmissionId is stored once. Admins, staff and field partners.",
  })
  submitFeedback(@Arg("input") input: SubmitFeedbackInput, @Ctx() { services }: Context): Promise<BatchResult> {
    return services.feedback.submit(input);
  }

  @Query(() => FeedbackResponseConnection, { description: "Responses, newest first: by collectedAt descending, then id (field partners: only theirs; not for funders)" })
  async feedbackResponses(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("filter", () => FeedbackFilter, { nullable: true }) filter?: FeedbackFilter,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return FeedbackResponseConnection.from(await services.feedback.list(organizationId, filter, first, after));
  }

  @Query(() => NpsResult, {
    description:
      "NPS over responses collected in [from, to) matching the filter, with sample size and 95 % margin of error. Funders: suppressed below k people, and filter.text (words of comments) is FORBIDDEN",
  })
  async nps(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("filter", () => FeedbackFilter, { nullable: true }) filter?: FeedbackFilter,
  ): Promise<NpsResult> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.feedback.nps(organizationId, p.from, p.to, filter);
  }

  @FieldResolver(() => [Answer])
  answers(@Root() r: FeedbackResponse, @Ctx() { loaders }: Context): Promise<AnswerView[]> {
    return loaders.answersByResponse.load({ organizationId: r.organizationId, id: r.id });
  }

  @FieldResolver(() => Survey)
  async survey(@Root() r: FeedbackResponse, @Ctx() { loaders }: Context): Promise<Survey> {
    const s = await loaders.surveyById.load({ organizationId: r.organizationId, id: r.surveyId });
    if (!s) throw new NotFoundError("Survey");
    return s;
  }

  @FieldResolver(() => Int, { description: "The survey version answered" })
  async surveyVersion(@Root() r: FeedbackResponse, @Ctx() { loaders }: Context): Promise<number> {
    const versions = await loaders.versionsBySurvey.load({ organizationId: r.organizationId, id: r.surveyId });
    return versions.find((v) => v.id === r.surveyVersionId)?.version ?? 0;
  }

  @FieldResolver(() => Stakeholder, { nullable: true })
  stakeholder(@Root() r: FeedbackResponse, @Ctx() { loaders }: Context) {
    return loaders.stakeholderById.load({ organizationId: r.organizationId, id: r.stakeholderId });
  }

  @FieldResolver(() => Touchpoint, { nullable: true })
  touchpoint(@Root() r: FeedbackResponse, @Ctx() { loaders }: Context) {
    return r.touchpointId ? loaders.touchpointById.load({ organizationId: r.organizationId, id: r.touchpointId }) : null;
  }

  @FieldResolver(() => Stage, { nullable: true })
  stage(@Root() r: FeedbackResponse, @Ctx() { loaders }: Context) {
    return r.stageId ? loaders.stageById.load({ organizationId: r.organizationId, id: r.stageId }) : null;
  }

  @FieldResolver(() => [Action], { description: "Follow-up actions opened for it (admins and staff)" })
  actions(@Root() r: FeedbackResponse, @Ctx() { loaders, access }: Context) {
    access.require(r.organizationId, ["ADMIN", "STAFF"], "actions");
    return loaders.actionsByResponse.load({ organizationId: r.organizationId, id: r.id });
  }
}
