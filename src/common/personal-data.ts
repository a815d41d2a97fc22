import { BadInputError } from "./errors";

/**
 * Every column that can hold a stakeholder's personal data, in one list. Three things read it,
 * so a column added here is handled by all of them, and a column added to the schema without
 * being added here is caught by test/e2e/privacy-erasure.test.ts:
 * - erasure (`forgetStakeholder`, src/modules/stakeholder/stakeholder.service.ts) empties each one
 *   on the person's rows, the way `erased` says;
 * - the audit log redacts each one in every entry (the audit triggers' arguments, set by the
 *   migrations; the test compares them with this list);
 * - the export (`stakeholderExport`) holds each one, under `exported`.
 * Journeys, scores and attributes are not here: they stay, anonymous, so aggregates do not change.
 */
export interface PersonalColumn {
  table: string;
  column: string;
  /**
   * What erasure leaves: `null`; `marker` ("[erased]", for a column that must keep a value, or
   * whose presence means something, like a loop that was closed); `row` (the row is deleted);
   * `pseudonym` ("erased-<id>", the external reference, which must stay unique).
   */
  erased: "null" | "marker" | "row" | "pseudonym";
  /** Where the column sits in `stakeholderExport`'s document (`section.field`); null for a value derived from the person's words that means nothing to them (a hash). */
  exported: string | null;
}

/** How a table's rows belong to the stakeholder: its own row, a column holding its id (`stakeholder_id`, `beneficiary_id`), or through its response. */
export const PERSONAL_ROWS: Record<string, "self" | "stakeholder_id" | "beneficiary_id" | "response"> = {
  stakeholders: "self",
  stakeholder_contacts: "stakeholder_id",
  interactions: "stakeholder_id",
  feedback_responses: "stakeholder_id",
  feedback_answers: "response",
  actions: "stakeholder_id",
  deliveries: "beneficiary_id",
};

export const PERSONAL_COLUMNS: readonly PersonalColumn[] = [
  { table: "stakeholders", column: "external_ref", erased: "pseudonym", exported: "stakeholder.externalRef" },
  { table: "stakeholder_contacts", column: "full_name", erased: "row", exported: "contact.fullName" },
  { table: "stakeholder_contacts", column: "phone", erased: "row", exported: "contact.phone" },
  { table: "stakeholder_contacts", column: "email", erased: "row", exported: "contact.email" },
  { table: "stakeholder_contacts", column: "address", erased: "row", exported: "contact.address" },
  { table: "interactions", column: "note", erased: "null", exported: "interactions.note" },
  { table: "feedback_responses", column: "comment", erased: "null", exported: "feedback.comment" },
  // The hash a retry is compared by covers the comment and free-text answers: kept, it would confirm a guess of them.
  { table: "feedback_responses", column: "content_hash", erased: "marker", exported: null },
  // Free-text answers only: a CHOICE answer's text is one of the survey's options, not the person's words.
  { table: "feedback_answers", column: "value_text", erased: "null", exported: "feedback.answers" },
  { table: "actions", column: "title", erased: "marker", exported: "actions.title" },
  { table: "actions", column: "description", erased: "null", exported: "actions.description" },
  { table: "actions", column: "notes", erased: "null", exported: "actions.notes" },
  { table: "actions", column: "root_cause", erased: "null", exported: "actions.rootCause" },
  { table: "actions", column: "loop_message", erased: "marker", exported: "actions.loopMessage" },
  // A delivery's evidence note is free text ("handed to her aunt at the school gate"); its hash covers the note, as a response's covers its comment.
  { table: "deliveries", column: "evidence_note", erased: "null", exported: "deliveries.evidenceNote" },
  { table: "deliveries", column: "content_hash", erased: "marker", exported: null },
];

/** What an erased column holds when it must hold something. */
export const ERASED_MARKER = "[erased]";

/**
 * How an erased stakeholder's external reference (its pseudonym, "erased-<id>") starts. The
 * pseudonym must stay unique, so no one may register or take a reference that starts so: one
 * made to match "erased-<someone's id>" would make that person's erasure fail.
 */
export const ERASED_REF_PREFIX = "erased-";

/** Whether an external reference starts like an erased stakeholder's pseudonym (in any case). */
export function isErasedRef(ref: string): boolean {
  return ref.toLowerCase().startsWith(ERASED_REF_PREFIX);
}

/** The refusal of a new external reference that starts like a pseudonym ("erased-"). */
export const ERASED_REF_MESSAGE = `external references starting with "${ERASED_REF_PREFIX}" are kept for erased stakeholders`;

/** Refuses (BAD_USER_INPUT on the field) an external reference that starts like a pseudonym. */
export function assertNotErasedRef(ref: string, field: string): void {
  if (isErasedRef(ref)) throw new BadInputError(field, ERASED_REF_MESSAGE);
}

/**
 * The statements that erase one stakeholder's personal data ($1 organization, $2 stakeholder),
 * made from PERSONAL_COLUMNS: one per table, the stakeholder's own row last.
 */
export function erasureStatements(): string[] {
  const byTable = new Map<string, PersonalColumn[]>();
  for (const c of PERSONAL_COLUMNS) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  const statements: string[] = [];
  let own: string | null = null;
  for (const [table, columns] of byTable) {
    const rows = PERSONAL_ROWS[table];
    if (columns.some((c) => c.erased === "row")) {
      statements.push(`DELETE FROM ${table} WHERE organization_id = $1 AND ${rows} = $2`);
      continue;
    }
    const sets = columns.map((c) =>
      c.erased === "null"
        ? `${c.column} = NULL`
        : c.erased === "marker"
          ? `${c.column} = CASE WHEN ${c.column} IS NULL THEN NULL ELSE '${ERASED_MARKER}' END`
          : `${c.column} = '${ERASED_REF_PREFIX}' || id::text`,
    );
    // Only rows that hold something to erase: the others are not rewritten (nor audited again).
    const holding = `(${columns.map((c) => `${rows === "response" ? "t." : ""}${c.column} IS NOT NULL`).join(" OR ")})`;
    if (rows === "self") {
      own = `UPDATE ${table} SET ${sets.join(", ")}, erased_at = coalesce(erased_at, now()), updated_at = now() WHERE organization_id = $1 AND id = $2 RETURNING *`;
    } else if (rows === "response") {
      statements.push(
        `UPDATE ${table} t SET ${sets.join(", ")} FROM feedback_responses r
          WHERE t.organization_id = $1 AND r.organization_id = $1 AND t.response_id = r.id AND r.stakeholder_id = $2 AND t.type = 'TEXT' AND ${holding}`,
      );
    } else {
      statements.push(`UPDATE ${table} SET ${sets.join(", ")} WHERE organization_id = $1 AND ${rows} = $2 AND ${holding}`);
    }
  }
  if (own) statements.push(own);
  return statements;
}

/** Why new personal data about an erased stakeholder is refused (a batch item's reason, or erasedError's message). */
export const ERASED_MESSAGE = "this stakeholder was erased (forgetStakeholder): it takes no new personal data";

/** The refusal of new personal data about an erased stakeholder: BAD_USER_INPUT on the field, with `reason: "ERASED"`. */
export function erasedError(field: string): BadInputError {
  const error = new BadInputError(field, ERASED_MESSAGE);
  error.extensions.reason = "ERASED";
  return error;
}
