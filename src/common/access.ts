import { AppError, NotFoundError } from "./errors";

export type Role = "ADMIN" | "STAFF" | "FUNDER" | "FIELD_PARTNER";
export type KeyKind = "MEMBER" | "FUNDER" | "FIELD_PARTNER";

/** Who is calling: an API key and the role it holds in each organization that granted it one. */
export interface Principal {
  keyId: string;
  keyKind: KeyKind;
  name: string;
  grants: { organizationId: string; role: Role; partnerId: string | null }[];
}

export class ForbiddenError extends AppError {
  constructor(message: string, field?: string) {
    super(message, "FORBIDDEN", field ? { field } : {});
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "An API key is required: send `Authorization: Bearer <key>`") {
    super(message, "UNAUTHENTICATED", { http: { status: 401 } });
  }
}

/** Role sets used by the services. */
export const ROLES = {
  /** Organization structure: lifecycles, stages, touchpoints, areas, partners (no personal data). */
  structure: ["ADMIN", "STAFF", "FUNDER", "FIELD_PARTNER"],
  /** Aggregated views (funnels, and later impact views, QoE, reports): suppressed for funders. */
  aggregates: ["ADMIN", "STAFF", "FUNDER"],
  /** Single stakeholders, journeys and interactions (field partners: only their own submissions). */
  people: ["ADMIN", "STAFF", "FIELD_PARTNER"],
  /** Registering beneficiaries, moving them, recording interactions. */
  submit: ["ADMIN", "STAFF", "FIELD_PARTNER"],
  /** Operational writes and personal data: contact data, erasure, exports. */
  staff: ["ADMIN", "STAFF"],
  /** Keys, lifecycles, structure, settings, the audit log. */
  admin: ["ADMIN"],
} as const satisfies Record<string, readonly Role[]>;

/**
 * The caller's rights, consulted by every service and loader. `organizationIds` is
 * also what the database's row-level security sees (`app.org_ids`).
 */
export class Access {
  private readonly roles = new Map<string, { role: Role; partnerId: string | null }>();

  constructor(readonly principal: Principal) {
    for (const g of principal.grants) this.roles.set(g.organizationId, { role: g.role, partnerId: g.partnerId });
  }

  get keyId(): string {
    return this.principal.keyId;
  }

  get organizationIds(): string[] {
    return [...this.roles.keys()];
  }

  roleIn(organizationId: string): Role | null {
    return this.roles.get(organizationId)?.role ?? null;
  }

  /** The partner a field-partner key acts for in this organization. */
  partnerIn(organizationId: string): string | null {
    return this.roles.get(organizationId)?.partnerId ?? null;
  }

  get isFunder(): boolean {
    return this.principal.keyKind === "FUNDER";
  }

  get isFieldPartner(): boolean {
    return this.principal.keyKind === "FIELD_PARTNER";
  }

  /**
   * The caller must hold one of `roles` in the organization. An organization it holds
   * no role in answers FORBIDDEN whether or not it exists (nothing is revealed).
   */
  require(organizationId: string, roles: readonly Role[], field = "organizationId"): Role {
    const role = this.roleIn(organizationId);
    if (!role) throw new ForbiddenError("You have no access to this organization", field);
    if (!roles.includes(role)) throw new ForbiddenError(`The ${role} role may not do this`, field);
    return role;
  }

  /** For operations that reach single people: funders never may. */
  requirePersonLevel(field?: string): void {
    if (this.isFunder) throw new ForbiddenError("Funders see aggregated views only, not single stakeholders", field);
  }

  /** Adds a role for an organization created in this request. */
  grantLocally(organizationId: string, role: Role): void {
    this.roles.set(organizationId, { role, partnerId: null });
  }

  /** A row found by id in the caller's organizations, or NOT_FOUND. */
  static found<T>(row: T | null | undefined, what: string, field?: string): T {
    if (!row) throw new NotFoundError(what, field);
    return row;
  }
}
