import { randomUUID } from "node:crypto";
import { EntityManager } from "typeorm";
import { DeliveryItemInput, RecordDeliveriesInput } from "./delivery.inputs";
import { BatchItemResult, BatchItemStatus, BatchResult, byKey, classifyKeyed, contentHash, decodeItemIds, itemClientKey, ItemError, itemIdProblem, ItemProblems, itemTextProblems, itemTimestamp, lookupKeys, settleKeyed, StoredItem } from "../../common/batch";
import { StakeholderKind } from "../../common/enums";
import { ERASED_MESSAGE } from "../../common/personal-data";
import { isUuid } from "../../common/validation";
import { checkNewBeneficiary, RegisteredBeneficiary, registerBeneficiaries } from "../stakeholder/inline-beneficiaries";

/**
 * recordDeliveries in three steps, with submitFeedback's contract (src/common/batch.ts): load what
 * the checks need (four set-based reads), check every item on its own (pure: `checkDeliveryItem`,
 * then `classifyKeyed`), then write (new beneficiaries, then the deliveries in one statement).
 */

const KEY_FIELD = "clientKey";
export const MAX_SITE_NAME = 200;
export const MAX_EVIDENCE_NOTE = 2000;

export interface ProgrammeInfo {
  id: string;
  /** Milliseconds since the epoch: the active period [activeFrom, activeTo). */
  activeFrom: number;
  activeTo: number | null;
  /** The partners that deliver it. */
  partners: Set<string>;
}

export interface BeneficiaryInfo extends RegisteredBeneficiary {
  erased?: boolean;
}

/** What the checks read, loaded for one batch. */
export interface DeliveryLookups {
  programmes: Map<string, ProgrammeInfo>;
  /** Stakeholders named by id (any kind: a customer is refused with its reason). */
  stakeholders: Map<string, BeneficiaryInfo>;
  /** Beneficiaries by external reference. */
  beneficiariesByRef: Map<string, BeneficiaryInfo>;
  /** Partners of the organization the items name. */
  partners: Set<string>;
  /** Deliveries already stored under the batch's client keys. */
  taken: Map<string, StoredItem>;
}

export interface CheckContext {
  lookups: DeliveryLookups;
  /** The field partner the caller acts for in this organization (null for staff). */
  partner: string | null;
  /** Milliseconds since the epoch: deliveredAt may not be later than this plus the allowed clock skew. */
  now: number;
}

/** An item that passed its checks, ready to be stored. */
export interface ReadyDelivery {
  index: number;
  clientKey: string;
  hash: string;
  programmeId: string;
  /** ISO 8601, to the millisecond. */
  deliveredAt: string;
  units: number;
  beneficiaryId: string | null;
  /** A beneficiary to register (or reuse) by this external reference. */
  newRef: string | null;
  newBeneficiary: DeliveryItemInput["newBeneficiary"];
  siteName: string | null;
  peopleReached: number | null;
  partnerId: string | null;
  evidenceNote: string | null;
}

export type CheckedDelivery = { ready: ReadyDelivery; rejected?: undefined } | { ready?: undefined; rejected: BatchItemResult };

// ---------------------------------------------------------------------------------------------
// Check (pure)
// ---------------------------------------------------------------------------------------------

/** Checks one item against the loaded lookups; every problem is reported, in the order of the item's fields. */
export function checkDeliveryItem(item: DeliveryItemInput, index: number, { lookups, partner, now }: CheckContext, text: ItemError[] = itemTextProblems(item)): CheckedDelivery {
  const p = new ItemProblems();
  p.errors.push(...text);
  const clientKey = itemClientKey(item.clientKey, KEY_FIELD, text, p);

  // The programme: in the organization, and for a field partner one its partner delivers.
  const programme = isUuid(item.programmeId) ? lookups.programmes.get(item.programmeId.toLowerCase()) : undefined;
  if (!isUuid(item.programmeId)) p.add("programmeId", itemIdProblem(item.programmeId, "programmeId", "Programme"));
  else if (!programme) p.add("programmeId", "no programme with this id in the organization", "NOT_FOUND");
  else if (partner && !programme.partners.has(partner)) p.add("programmeId", "field partners record deliveries only for programmes their partner delivers", "FORBIDDEN");

  // deliveredAt: ISO 8601 with a zone, a day on the calendar, not in the future, within the programme's active period [activeFrom, activeTo).
  const deliveredAt = itemTimestamp(item.deliveredAt, "deliveredAt", now, p);
  if (deliveredAt && programme) {
    if (deliveredAt.getTime() < programme.activeFrom) p.add("deliveredAt", `deliveredAt is before the programme started (${new Date(programme.activeFrom).toISOString()})`);
    else if (programme.activeTo !== null && deliveredAt.getTime() >= programme.activeTo) {
      p.add("deliveredAt", `deliveredAt is not before the programme ended (${new Date(programme.activeTo).toISOString()})`);
    }
  }

  if (typeof item.units !== "number" || !Number.isInteger(item.units) || item.units < 1) p.add("units", "units must be a whole number of at least 1");

  // The recipient: one beneficiary (an existing one, or one registered by external reference), or a site.
  let beneficiaryId: string | null = null;
  let newRef: string | null = null;
  let erased = false;
  let siteName: string | null = null;
  let peopleReached: number | null = null;
  const given = [item.beneficiaryId, item.newBeneficiary, item.site].filter((v) => v !== null && v !== undefined).length;
  if (given !== 1) {
    p.add("beneficiaryId", given === 0 ? "a delivery goes to a beneficiary (beneficiaryId or newBeneficiary) or to a site" : "give one of beneficiaryId, newBeneficiary or site, not several");
  } else if (item.beneficiaryId) {
    const s = isUuid(item.beneficiaryId) ? lookups.stakeholders.get(item.beneficiaryId.toLowerCase()) : undefined;
    if (!isUuid(item.beneficiaryId)) p.add("beneficiaryId", itemIdProblem(item.beneficiaryId, "beneficiaryId", "Stakeholder"));
    else if (!s || (partner && s.registeredByPartnerId !== partner)) p.add("beneficiaryId", "no stakeholder with this id in the organization", "NOT_FOUND");
    else if (s.kind !== StakeholderKind.BENEFICIARY) p.add("beneficiaryId", `deliveries go to BENEFICIARY stakeholders; this is a ${s.kind}`);
    else {
      beneficiaryId = s.id;
      erased = !!s.erased;
    }
  } else if (item.newBeneficiary) {
    const { ref, existing } = checkNewBeneficiary(item.newBeneficiary, lookups.beneficiariesByRef, partner, p);
    if (ref) {
      newRef = ref;
      beneficiaryId = existing?.id ?? null;
      erased = !!existing?.erased;
    }
  } else if (item.site) {
    siteName = item.site.name?.trim() ?? "";
    if (!siteName || siteName.length > MAX_SITE_NAME) p.add("site.name", `site.name must be 1 to ${MAX_SITE_NAME} characters`);
    peopleReached = item.site.peopleReached;
    if (typeof peopleReached !== "number" || !Number.isInteger(peopleReached) || peopleReached < 0) p.add("site.peopleReached", "site.peopleReached must be a whole number, 0 or more");
  }

  // The partner: a field partner's own; for staff, one that delivers the programme, or none.
  let partnerId: string | null = null;
  const namedPartner = item.partnerId === null || item.partnerId === undefined || item.partnerId === "" ? null : item.partnerId;
  if (partner) {
    if (namedPartner !== null && namedPartner.toLowerCase() !== partner) p.add("partnerId", "field partners record deliveries as their own partner", "FORBIDDEN");
    partnerId = partner;
  } else if (namedPartner !== null) {
    if (!isUuid(namedPartner)) p.add("partnerId", itemIdProblem(namedPartner, "partnerId", "Partner"));
    else if (!lookups.partners.has(namedPartner.toLowerCase())) p.add("partnerId", "no partner with this id in the organization", "NOT_FOUND");
    else if (programme && !programme.partners.has(namedPartner.toLowerCase())) p.add("partnerId", "the partner does not deliver this programme");
    else partnerId = namedPartner.toLowerCase();
  }

  const evidenceNote = item.evidenceNote?.trim() || null;
  if (evidenceNote && evidenceNote.length > MAX_EVIDENCE_NOTE) p.add("evidenceNote", `evidenceNote must be at most ${MAX_EVIDENCE_NOTE} characters`);
  // An erased person's deliveries still count; words about them are not taken again.
  if (erased && evidenceNote) p.add("evidenceNote", ERASED_MESSAGE);

  if (!p.ok || !programme || !deliveredAt) return { rejected: { index, clientKey: clientKey || null, status: BatchItemStatus.REJECTED, id: null, errors: p.errors } };
  return {
    ready: {
      index,
      clientKey,
      hash: deliveryHash(item, programme.id, deliveredAt, siteName, partnerId, evidenceNote),
      programmeId: programme.id,
      deliveredAt: deliveredAt.toISOString(),
      units: item.units,
      beneficiaryId,
      newRef,
      newBeneficiary: item.newBeneficiary,
      siteName,
      peopleReached,
      partnerId,
      evidenceNote,
    },
  };
}

/** The content a retry is compared by (stored as content_hash: it must never change). */
function deliveryHash(item: DeliveryItemInput, programmeId: string, deliveredAt: Date, siteName: string | null, partnerId: string | null, evidenceNote: string | null): string {
  return contentHash({
    programme: programmeId,
    deliveredAt,
    units: item.units,
    beneficiary: item.beneficiaryId?.toLowerCase() ?? null,
    newBeneficiary: item.newBeneficiary ?? null,
    site: item.site ? { name: siteName, peopleReached: item.site.peopleReached } : null,
    partner: partnerId,
    evidenceNote,
  });
}

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------

const uuids = (values: (string | null | undefined)[]) => [...new Set(values.filter(isUuid).map((v) => v.toLowerCase()))];

/** Programmes with their partners, stakeholders (by id and by external reference), partners, stored client keys. */
export async function loadDeliveryLookups(em: EntityManager, org: string, items: DeliveryItemInput[]): Promise<DeliveryLookups> {
  const refs = [...new Set(items.map((i) => i.newBeneficiary?.externalRef?.trim()).filter((r): r is string => !!r))];
  const [programmeRows, stakeholderRows, partnerRows, taken] = await Promise.all([
    em.query(
      `SELECT p.id, p.active_from, p.active_to, coalesce(array_agg(pp.partner_id) FILTER (WHERE pp.partner_id IS NOT NULL), '{}') AS partners
         FROM programmes p LEFT JOIN programme_partners pp ON pp.organization_id = p.organization_id AND pp.programme_id = p.id
        WHERE p.organization_id = $1 AND p.id = ANY($2::uuid[])
        GROUP BY p.organization_id, p.id`,
      [org, uuids(items.map((i) => i.programmeId))],
    ),
    em.query(
      `SELECT s.id, s.kind, s.current_stage_id, s.registered_by_partner_id, s.external_ref, s.erased_at
         FROM stakeholders s
        WHERE s.organization_id = $1 AND (s.id = ANY($2::uuid[]) OR (s.kind = 'BENEFICIARY' AND s.external_ref = ANY($3::text[])))`,
      [org, uuids(items.map((i) => i.beneficiaryId)), refs],
    ),
    em.query(`SELECT id FROM partners WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, uuids(items.map((i) => i.partnerId))]),
    takenDeliveries(em, org, lookupKeys(items.map((i) => i.clientKey))),
  ]);
  const lookups: DeliveryLookups = { programmes: new Map(), stakeholders: new Map(), beneficiariesByRef: new Map(), partners: new Set(), taken };
  for (const r of programmeRows) {
    lookups.programmes.set(r.id, {
      id: r.id,
      activeFrom: new Date(r.active_from).getTime(),
      activeTo: r.active_to === null ? null : new Date(r.active_to).getTime(),
      partners: new Set(r.partners),
    });
  }
  for (const r of stakeholderRows) {
    const s: BeneficiaryInfo = { id: r.id, kind: r.kind, currentStageId: r.current_stage_id, registeredByPartnerId: r.registered_by_partner_id, erased: r.erased_at !== null };
    lookups.stakeholders.set(r.id, s);
    if (r.kind === StakeholderKind.BENEFICIARY) lookups.beneficiariesByRef.set(r.external_ref, s);
  }
  for (const r of partnerRows) lookups.partners.add(r.id);
  return lookups;
}

/** Deliveries stored under these client keys. */
async function takenDeliveries(em: EntityManager, org: string, keys: string[]): Promise<Map<string, StoredItem>> {
  if (keys.length === 0) return new Map();
  const rows: { id: string; client_key: string; content_hash: string }[] = await em.query(
    `SELECT id, client_key, content_hash FROM deliveries WHERE organization_id = $1 AND client_key = ANY($2::text[])`,
    [org, keys],
  );
  return new Map(rows.map((r) => [r.client_key, { id: r.id, content_hash: r.content_hash }]));
}

// ---------------------------------------------------------------------------------------------
// Write
// ---------------------------------------------------------------------------------------------

export interface Submitter {
  /** The API key (null for the demo seed, which has none). */
  keyId: string | null;
  partner: string | null;
}

/**
 * Registers the new beneficiaries the items name (reusing those registered meanwhile), then stores
 * the deliveries in one statement, in client-key order. Items whose client key was taken meanwhile
 * (by a concurrent request, or an earlier item of the batch) come back as DUPLICATE or CONFLICT.
 * `newId` makes the rows' ids (the demo seed passes its own, to stay deterministic).
 */
export async function writeDeliveries(em: EntityManager, org: string, toStore: ReadyDelivery[], who: Submitter, newId: () => string = randomUUID): Promise<BatchItemResult[]> {
  const fresh = toStore.filter((r) => r.newRef && !r.beneficiaryId);
  if (fresh.length) {
    // The first item naming a reference gives the new beneficiary's attributes.
    const refs = new Map<string, NonNullable<ReadyDelivery["newBeneficiary"]>>();
    for (const r of fresh) if (!refs.has(r.newRef!)) refs.set(r.newRef!, r.newBeneficiary!);
    const idOf = await registerBeneficiaries(em, org, refs, who.partner);
    for (const r of fresh) r.beneficiaryId = idOf.get(r.newRef!) ?? null;
  }
  const rows = byKey(
    toStore.filter((r) => r.beneficiaryId !== null || r.siteName !== null),
    (r) => r.clientKey,
  );
  const ids = rows.map(() => newId());
  const created = new Map<ReadyDelivery, string>();
  if (rows.length) {
    const inserted: { id: string }[] = await em.query(
      `INSERT INTO deliveries (organization_id, id, programme_id, delivered_at, units, beneficiary_id, site_name, people_reached, partner_id, evidence_note,
                               client_key, content_hash, submitted_by_key_id, submitted_by_partner_id)
       SELECT $1, u.id, u.programme, u.at, u.units, u.beneficiary, u.site, u.people, u.partner, u.note, u.ck, u.hash, $13, $14
         FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[], $5::int[], $6::uuid[], $7::text[], $8::int[], $9::uuid[], $10::text[], $11::text[], $12::text[])
           AS u(id, programme, at, units, beneficiary, site, people, partner, note, ck, hash)
       ON CONFLICT (organization_id, client_key) DO NOTHING
       RETURNING id`,
      [
        org,
        ids,
        rows.map((r) => r.programmeId),
        rows.map((r) => r.deliveredAt),
        rows.map((r) => r.units),
        rows.map((r) => r.beneficiaryId),
        rows.map((r) => r.siteName),
        rows.map((r) => r.peopleReached),
        rows.map((r) => r.partnerId),
        rows.map((r) => r.evidenceNote),
        rows.map((r) => r.clientKey),
        rows.map((r) => r.hash),
        who.keyId,
        who.partner,
      ],
    );
    const stored = new Set(inserted.map((r) => r.id));
    rows.forEach((r, i) => {
      if (stored.has(ids[i])) created.set(r, ids[i]);
    });
  }
  return settleKeyed(toStore, created, (keys) => takenDeliveries(em, org, keys), KEY_FIELD, (r) => ({
    index: r.index,
    clientKey: r.clientKey,
    status: BatchItemStatus.REJECTED,
    id: null,
    errors: [{ field: "newBeneficiary.externalRef", message: "the beneficiary could not be registered" }],
  }));
}

/** The whole batch: load, check, write (nothing written on a dry run). Runs inside the caller's transaction. */
export async function recordDeliveriesBatch(em: EntityManager, org: string, input: RecordDeliveriesInput, who: Submitter, newId?: () => string, now = Date.now()): Promise<BatchResult> {
  // Items whose text PostgreSQL cannot take (NUL, lone surrogates) are REJECTED by their check
  // and never reach a statement, not even the loads.
  const text = input.items.map(itemTextProblems);
  const items = decodeItemIds(input.items, { programmeId: "Programme", beneficiaryId: "Stakeholder", partnerId: "Partner" }, org);
  const lookups = await loadDeliveryLookups(em, org, items.filter((_, index) => text[index].length === 0));
  const context: CheckContext = { lookups, partner: who.partner, now };
  const results: BatchItemResult[] = [];
  const ready: ReadyDelivery[] = [];
  items.forEach((item, index) => {
    const checked = checkDeliveryItem(item, index, context, text[index]);
    if (checked.rejected) results.push(checked.rejected);
    else ready.push(checked.ready);
  });
  const classified = classifyKeyed(ready, lookups.taken, input.dryRun === true, KEY_FIELD);
  results.push(...classified.results);
  if (classified.toStore.length) results.push(...(await writeDeliveries(em, org, classified.toStore, who, newId)));
  return BatchResult.of(results, "Delivery", org);
}
