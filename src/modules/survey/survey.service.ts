import { EntityManager } from "typeorm";
import { Survey, SurveyQuestion, SurveyVersion } from "./survey.entity";
import { CreateSurveyInput, QuestionInput, UpdateSurveyInput } from "./survey.inputs";
import { ROLES } from "../../common/access";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { QuestionType } from "../../common/enums";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, cleanName } from "../../common/validation";
import { hydrate, hydrateAll, isUniqueViolation, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

export class SurveyService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  async get(id: string, field = "id"): Promise<Survey> {
    const rows = await this.em.query(`SELECT * FROM surveys WHERE organization_id = $1 AND id = $2`, [this.sc.ids.organizationOf(id, "Survey", field), id]);
    if (rows.length === 0) throw new NotFoundError("Survey", field);
    this.sc.access.require(rows[0].organization_id, ROLES.structure, field);
    return hydrate(this.em, Survey, rows[0]);
  }

  async list(organizationId: string, first?: number | null, after?: string | null): Promise<Page<Survey>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.structure);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT s.*, ${micros("s.created_at")} AS __micros FROM surveys s
        WHERE s.organization_id = $1 AND ($2::text IS NULL OR (s.created_at, s.id) > (${fromMicros("$2")}, $3::uuid))
        ORDER BY s.created_at, s.id LIMIT $4`,
      [org, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Survey, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM surveys WHERE organization_id = $1`, [org]))[0].n),
    );
  }

  async create(input: CreateSurveyInput): Promise<Survey> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const name = cleanName(input.name, "name", 200);
    const questions = checkQuestions(input.questions);
    return this.em.transaction(async (em) => {
      let stageId = input.stageId ? assertId(input.stageId, "stageId") : null;
      for (const [field, table] of [
        ["stageId", "stages"],
        ["touchpointId", "touchpoints"],
      ] as const) {
        const id = input[field];
        if (!id) continue;
        const r = await em.query(`SELECT kind, ${table === "touchpoints" ? "stage_id" : "id AS stage_id"} FROM ${table} WHERE organization_id = $1 AND id = $2`, [org, assertId(id, field)]);
        if (r.length === 0) throw new BadInputError(field, `no ${table === "stages" ? "stage" : "touchpoint"} with this id in the organization`);
        if (r[0].kind !== input.audience) throw new BadInputError(field, `it belongs to the ${r[0].kind} lifecycle; the survey's audience is ${input.audience}`);
        // A touchpoint belongs to one stage: the survey is at that stage.
        if (table === "touchpoints") {
          if (stageId && stageId !== r[0].stage_id) throw new BadInputError("stageId", "the touchpoint is at another stage: leave stageId out, or give the touchpoint's stage");
          stageId = r[0].stage_id;
        }
      }
      try {
        const [row] = await em.query(
          `INSERT INTO surveys (organization_id, name, audience, stage_id, touchpoint_id) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
          [org, name, input.audience, stageId, input.touchpointId?.toLowerCase() ?? null],
        );
        await this.writeVersion(em, org, row.id, 1, questions);
        return hydrate(em, Survey, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_surveys_name")) throw new ConflictError("name", `a survey named "${name}" exists already`);
        throw error;
      }
    });
  }

  async update(input: UpdateSurveyInput): Promise<Survey> {
    const survey = await this.get(input.id);
    this.sc.access.require(survey.organizationId, ROLES.admin, "id");
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 200);
    const questions = input.questions ? checkQuestions(input.questions) : null;
    return this.em.transaction(async (em) => {
      const [locked] = await em.query(`SELECT current_version FROM surveys WHERE organization_id = $1 AND id = $2 FOR UPDATE`, [survey.organizationId, survey.id]);
      const version = questions ? locked.current_version + 1 : locked.current_version;
      if (questions) await this.writeVersion(em, survey.organizationId, survey.id, version, questions);
      try {
        const rows = await queryRows(
          em,
          `UPDATE surveys SET name = coalesce($3, name), active = coalesce($4, active), current_version = $5, updated_at = now()
            WHERE organization_id = $1 AND id = $2 RETURNING *`,
          [survey.organizationId, survey.id, name, input.active ?? null, version],
        );
        return hydrate(em, Survey, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_surveys_name")) throw new ConflictError("name", `a survey named "${name}" exists already`);
        throw error;
      }
    });
  }

  private async writeVersion(em: EntityManager, org: string, surveyId: string, version: number, questions: QuestionInput[]): Promise<void> {
    const [v] = await em.query(`INSERT INTO survey_versions (organization_id, survey_id, version) VALUES ($1, $2, $3) RETURNING id`, [org, surveyId, version]);
    for (const [i, q] of questions.entries()) {
      const number = q.type === QuestionType.NUMBER;
      await em.query(
        `INSERT INTO survey_questions (organization_id, survey_version_id, key, position, type, text, options, required, number_unit, number_min, number_max)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [org, v.id, q.key, i, q.type, q.text.trim(), q.type === QuestionType.CHOICE ? q.options : null, q.required ?? false, number ? q.unit : null, number ? (q.min ?? null) : null, number ? (q.max ?? null) : null],
      );
    }
  }

  /** The questions of a survey version (the current one by default). */
  async questions(survey: Survey, version?: number | null): Promise<SurveyQuestion[]> {
    const rows = await this.em.query(
      `SELECT q.* FROM survey_questions q JOIN survey_versions v ON v.organization_id = q.organization_id AND v.id = q.survey_version_id
        WHERE v.organization_id = $1 AND v.survey_id = $2 AND v.version = $3 ORDER BY q.position`,
      [survey.organizationId, survey.id, version ?? survey.currentVersion],
    );
    return hydrateAll(this.em, SurveyQuestion, rows);
  }

  async versions(survey: Survey): Promise<SurveyVersion[]> {
    const rows = await this.em.query(`SELECT * FROM survey_versions WHERE organization_id = $1 AND survey_id = $2 ORDER BY version`, [survey.organizationId, survey.id]);
    return hydrateAll(this.em, SurveyVersion, rows);
  }
}

/** Question rules: unique keys, at most one NPS question, options only (and at least two) for CHOICE, a unit and an optional range only for NUMBER. */
function checkQuestions(questions: QuestionInput[]): QuestionInput[] {
  const keys = new Set<string>();
  let nps = 0;
  questions.forEach((q, i) => {
    if (keys.has(q.key)) throw new BadInputError(`questions.${i}.key`, `question key "${q.key}" is used twice`);
    keys.add(q.key);
    if (q.type === QuestionType.NPS && ++nps > 1) throw new BadInputError(`questions.${i}.type`, "a survey asks at most one NPS question");
    if (q.type === QuestionType.CHOICE) {
      const options = (q.options ?? []).map((o) => o.trim()).filter(Boolean);
      if (options.length < 2 || new Set(options).size !== options.length) throw new BadInputError(`questions.${i}.options`, "a CHOICE question needs at least two distinct options");
      q.options = options;
    } else if (q.options && q.options.length) {
      throw new BadInputError(`questions.${i}.options`, "options are for CHOICE questions only");
    }
    if (q.type === QuestionType.NUMBER) {
      q.unit = (q.unit ?? "").trim();
      if (!q.unit) throw new BadInputError(`questions.${i}.unit`, 'a NUMBER question needs the unit of its answers, e.g. "KES per month"');
      for (const bound of ["min", "max"] as const) {
        const v = q[bound];
        if (v !== null && v !== undefined && (!/^-?\d{1,10}(\.\d{1,2})?$/.test(v))) throw new BadInputError(`questions.${i}.${bound}`, `${bound} must be a number with at most 10 digits before the point and 2 after it`);
      }
      if (q.min != null && q.max != null && Number(q.min) > Number(q.max)) throw new BadInputError(`questions.${i}.max`, "max must not be below min");
    } else {
      for (const field of ["unit", "min", "max"] as const) {
        if (q[field] !== null && q[field] !== undefined) throw new BadInputError(`questions.${i}.${field}`, `${field} is for NUMBER questions only`);
      }
    }
  });
  return questions;
}
