import { EntityManager } from "typeorm";
import type { NewBeneficiaryInput } from "../feedback/feedback.inputs";
import { byKey, ItemProblems } from "../../common/batch";
import { StakeholderKind } from "../../common/enums";
import { ERASED_REF_MESSAGE, isErasedRef } from "../../common/personal-data";

/**
 * Beneficiaries registered inline by a batch item, by external reference (submitFeedback's and
 * recordDeliveries' `newBeneficiary`): checked with the item (pure), registered with the batch (one
 * insert, one read), reused when the reference is registered already, meanwhile or by an earlier item.
 */

/** What the check needs to know of a beneficiary registered already under a reference. */
export interface RegisteredBeneficiary {
  id: string;
  kind: StakeholderKind;
  currentStageId: string | null;
  registeredByPartnerId: string | null;
  erased?: boolean;
}

/**
 * Checks an item's `newBeneficiary` (reasons on `newBeneficiary.*`): the reference 1 to 120
 * characters, not an erased person's pseudonym, and for a field partner one its partner registered;
 * region and segment at most 120. Gives the reference (null when it is unusable) and the beneficiary
 * registered under it already, if any.
 */
export function checkNewBeneficiary(
  nb: NewBeneficiaryInput,
  byRef: Map<string, RegisteredBeneficiary>,
  partner: string | null,
  p: ItemProblems,
): { ref: string | null; existing: RegisteredBeneficiary | undefined } {
  const ref = nb.externalRef?.trim() ?? "";
  let out: { ref: string | null; existing: RegisteredBeneficiary | undefined } = { ref: null, existing: undefined };
  if (!ref || ref.length > 120) p.add("newBeneficiary.externalRef", "externalRef must be 1 to 120 characters");
  else {
    const existing = byRef.get(ref);
    if (!existing && isErasedRef(ref)) p.add("newBeneficiary.externalRef", ERASED_REF_MESSAGE);
    else if (existing && partner && existing.registeredByPartnerId !== partner) {
      p.add("newBeneficiary.externalRef", "this external reference was registered by the organization's staff or another partner: it can't be used by your key; ask the organization's staff");
    }
    out = { ref, existing };
  }
  for (const f of ["region", "segment"] as const) {
    const v = nb[f];
    if (v && v.length > 120) p.add(`newBeneficiary.${f}`, `${f} must be at most 120 characters`);
  }
  return out;
}

/**
 * Registers the beneficiaries named by reference (the first item naming a reference gives its
 * attributes; one registered meanwhile, by a concurrent request, is reused) and answers each
 * reference's id: one insert and one read, in reference order (concurrent batches lock alike).
 */
export async function registerBeneficiaries(em: EntityManager, org: string, refs: Map<string, NewBeneficiaryInput>, partner: string | null): Promise<Map<string, string>> {
  const unique = byKey([...refs.entries()], ([ref]) => ref);
  await em.query(
    `INSERT INTO stakeholders (organization_id, kind, external_ref, gender, age_band, region, segment, registered_by_partner_id)
     SELECT $1, 'BENEFICIARY', u.ref, u.gender::gender, u.age::age_band, u.region, u.segment, $7
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(ref, gender, age, region, segment)
     ON CONFLICT (organization_id, kind, external_ref) DO NOTHING`,
    [
      org,
      unique.map(([ref]) => ref),
      unique.map(([, b]) => b.gender ?? null),
      unique.map(([, b]) => b.ageBand ?? null),
      unique.map(([, b]) => b.region?.trim() || null),
      unique.map(([, b]) => b.segment?.trim() || null),
      partner,
    ],
  );
  // A new statement sees the rows this one made and those a concurrent request registered.
  const made: { id: string; external_ref: string }[] = await em.query(
    `SELECT id, external_ref FROM stakeholders WHERE organization_id = $1 AND kind = 'BENEFICIARY' AND external_ref = ANY($2::text[])`,
    [org, unique.map(([ref]) => ref)],
  );
  return new Map(made.map((m) => [m.external_ref, m.id]));
}
